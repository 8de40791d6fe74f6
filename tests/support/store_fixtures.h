// Helpers to build appends in store tests.
#pragma once

#include <string>

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

}  // namespace sijill::testing
