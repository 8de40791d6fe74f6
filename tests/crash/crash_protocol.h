// What the crash test's parent and child agree on: the requests the child appends and the
// lines it writes to its stdout (a pipe to the parent).
//
// Every request carries one event and an idempotency key "r<round>-t<thread>-<seq>", unique
// across the whole test; the request is a pure function of its key, so that a later round can
// retry it byte for byte.
//
// The child writes one line per event, each with a single write(2) of less than PIPE_BUF bytes
// (atomic on a pipe, so lines from several threads never interleave):
//   open <head position>                                  once the store is open
//   ack <key> <stream> <version> <position>               after the append's future resolved ok
//   retry <key> <stream> <version> <position> <replayed>  a retried key's answer (1: repeat)
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

#include "sijill/store/event_store.h"

namespace sijill::crash {

inline std::string make_key(int round, int thread, std::uint64_t seq) {
  return "r" + std::to_string(round) + "-t" + std::to_string(thread) + "-" + std::to_string(seq);
}

// Eight streams shared by all threads, so that versions interleave between writers.
inline std::string stream_of(const std::string& key) {
  unsigned sum = 0;
  for (unsigned char c : key) sum = sum * 31 + c;
  return "crash/s" + std::to_string(sum % 8);
}

inline store::AppendRequest request_for(const std::string& key) {
  store::EventDraft d;
  d.stream = stream_of(key);
  d.type = "Noted";
  d.actor = {"u-crash", "programme_officer"};
  // A unique payload of varying size, so that records straddle WAL blocks now and then.
  d.data = {{"key", key}, {"pad", std::string(16 + key.size() * 7 % 200, 'x')}};
  store::AppendRequest r;
  r.events.push_back(std::move(d));
  r.idempotency = store::IdempotencyKey{"u-crash", "note", key, store::chain_hash(store::kZeroHash, key)};
  return r;
}

// One parsed line of the child's output.
struct Line {
  std::string kind;  // "open", "ack", "retry", or empty when malformed
  std::string key;
  std::string stream;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  bool replayed = false;
};

inline Line parse_line(const std::string& text) {
  std::istringstream in(text);
  Line l;
  in >> l.kind;
  if (l.kind == "open") {
    in >> l.position;
  } else if (l.kind == "ack" || l.kind == "retry") {
    in >> l.key >> l.stream >> l.version >> l.position;
    if (l.kind == "retry") {
      int replayed = 0;
      in >> replayed;
      l.replayed = replayed != 0;
    }
  }
  if (in.fail()) l.kind.clear();
  return l;
}

}  // namespace sijill::crash
