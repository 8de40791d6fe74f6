// A test tool: writes a store with varied events, and damages one on purpose, so that the
// chain checkers can be tested against real data folders.
//
//   chain_fixture make   --data DIR --events N [--seed S]
//   chain_fixture tamper --data DIR --position P --mode byte|prev_hash|swap|drop [--offset K]
//
// `byte` changes the record byte at offset K (modulo its length) to another printable
// character; `prev_hash` changes one digit of the recorded prev_hash; `swap` exchanges the
// records at P and P+1; `drop` deletes the record at P. The store must be closed.
#include <rocksdb/db.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <random>

#include "sijill/store/event_store.h"
#include "sijill/store/group_commit.h"

using namespace sijill;

namespace {

std::string be64(std::uint64_t v) {
  std::string k;
  for (int s = 56; s >= 0; s -= 8) k.push_back(static_cast<char>(v >> s & 0xff));
  return k;
}

int make(const std::string& dir, int events, unsigned seed) {
  store::StoreOptions o;
  o.dir = dir;
  auto opened = store::EventStore::open(o);
  if (!opened) {
    std::cerr << opened.status().to_string() << "\n";
    return 1;
  }
  store::GroupCommitter committer(**opened);
  std::mt19937 rng(seed);
  const char* notes[] = {"Association Tamount, Souss-Massa", "جمعية التنمية المحلية", "note with \"quotes\", commas",
                         "line\nbreak and tab\t", "= looks like a formula"};
  std::vector<std::future<Result<store::AppendResult>>> pending;
  for (int i = 0; i < events; ++i) {
    store::AppendRequest r;
    store::EventDraft d;
    d.stream = "application/APP-" + std::to_string(rng() % 40);
    d.type = i % 3 ? "ScoreSubmitted" : "ApplicationReceived";
    d.actor = {"u-" + std::to_string(rng() % 5), i % 3 ? "evaluator" : "programme_officer"};
    d.data = {{"i", i}, {"note", notes[rng() % 5]}, {"points", static_cast<int>(rng() % 61)}};
    r.events.push_back(std::move(d));
    pending.push_back(committer.append(std::move(r)));
    if (pending.size() == 256) {
      for (auto& f : pending) {
        if (auto res = f.get(); !res) {
          std::cerr << res.status().to_string() << "\n";
          return 1;
        }
      }
      pending.clear();
    }
  }
  for (auto& f : pending) {
    if (auto res = f.get(); !res) return 1;
  }
  return 0;
}

int tamper(const std::string& dir, std::uint64_t position, const std::string& mode, std::size_t offset) {
  rocksdb::Options o;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"log", {}}, {"streams", {}}, {"idempotency", {}}, {"meta", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(o, dir + "/log", cfs, &handles, &raw);
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  auto* log = handles[1];
  std::string value;
  if (!db->Get({}, log, be64(position), &value).ok()) {
    std::cerr << "no record at " << position << "\n";
    return 1;
  }
  if (mode == "byte") {
    auto& c = value[32 + offset % (value.size() - 32)];
    c = c == 'x' ? 'y' : 'x';
    st = db->Put({}, log, be64(position), value);
  } else if (mode == "prev_hash") {
    auto at = value.find("\"prev_hash\":\"");
    auto& c = value[at + 13];
    c = c == '0' ? '1' : '0';
    st = db->Put({}, log, be64(position), value);
  } else if (mode == "swap") {
    std::string next;
    if (!db->Get({}, log, be64(position + 1), &next).ok()) return 1;
    st = db->Put({}, log, be64(position), next);
    if (st.ok()) st = db->Put({}, log, be64(position + 1), value);
  } else if (mode == "drop") {
    st = db->Delete({}, log, be64(position));
  } else {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return st.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chain_fixture: make or damage a store for tests"};
  app.require_subcommand(1);
  std::string dir, mode;
  int events = 100;
  unsigned seed = 1;
  std::uint64_t position = 1;
  std::size_t offset = 0;
  auto* mk = app.add_subcommand("make");
  mk->add_option("--data", dir)->required();
  mk->add_option("--events", events);
  mk->add_option("--seed", seed);
  auto* tp = app.add_subcommand("tamper");
  tp->add_option("--data", dir)->required();
  tp->add_option("--position", position)->required();
  tp->add_option("--mode", mode)->required();
  tp->add_option("--offset", offset);
  CLI11_PARSE(app, argc, argv);
  return mk->parsed() ? make(dir, events, seed) : tamper(dir, position, mode, offset);
}
