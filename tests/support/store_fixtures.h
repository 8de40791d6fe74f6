// Helpers to build appends in store tests.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "domain_harness.h"
#include "sijill/store/event_store.h"

namespace sijill::testing {

inline store::EventDraft draft(std::string stream, std::string type = "Noted", boost::json::object data = {}) {
  store::EventDraft d;
  d.stream = std::move(stream);
  d.type = std::move(type);
  d.data = std::move(data);
  d.actor = {"u-officer", "programme_officer"};
  return d;
}

inline store::AppendRequest one(std::string stream, std::string type = "Noted", boost::json::object data = {}) {
  store::AppendRequest r;
  r.events.push_back(draft(std::move(stream), std::move(type), std::move(data)));
  return r;
}

// A store on disk (no fsync) whose clock reads the story's time of the commit being made: it
// commits, one commit at a time, the events a DomainHarness decided.
struct StoryStore {
  time::Instant now{};
  std::unique_ptr<store::EventStore> store;

  explicit StoryStore(const std::filesystem::path& dir) {
    store::StoreOptions o;
    o.dir = dir;
    o.sync = false;
    o.clock = [this] { return std::chrono::system_clock::time_point(now); };
    auto opened = store::EventStore::open(o);
    REQUIRE(opened.is_ok());
    store = std::move(*opened);
  }

  // Commits `events` as one batch; returns the head.
  std::uint64_t commit(const std::vector<Committed>& events) {
    now = events.front().recorded_at;
    auto batch = store->begin_batch();
    store::AppendRequest request;
    for (const auto& e : events) {
      store::EventDraft d;
      d.stream = e.stream;
      d.type = e.type;
      d.data = e.data;
      d.actor = {e.actor.id, e.actor.role};
      request.events.push_back(std::move(d));
    }
    REQUIRE(batch.stage(request).is_ok());
    REQUIRE(store->commit(batch).is_ok());
    return store->head().position;
  }
};

}  // namespace sijill::testing
