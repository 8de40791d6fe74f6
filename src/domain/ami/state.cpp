#include "sijill/domain/ami/state.h"

namespace sijill::domain::ami {

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::received:
      return "received";
    case Stage::inadmissible:
      return "inadmissible";
    case Stage::ineligible:
      return "ineligible";
    case Stage::eligible:
      return "eligible";
    case Stage::scored:
      return "scored";
    case Stage::selected:
      return "selected";
    case Stage::waiting:
      return "waiting";
    case Stage::withdrawn:
      return "withdrawn";
  }
  return "received";
}

const Submission* Application::effective(const std::vector<Submission>& parts) {
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!it->late) return &*it;
  }
  return parts.empty() ? nullptr : &parts.back();
}

int Application::active_evaluators() const {
  int n = 0;
  for (const auto& [_, e] : evaluations) n += e.declaration == Declaration::no_conflict;
  return n;
}

int Application::scores_in() const {
  int n = 0;
  for (const auto& [_, e] : evaluations) n += e.scored;
  return n;
}

const Application* State::application(std::string_view id) const {
  auto it = applications.find(std::string(id));
  return it == applications.end() ? nullptr : &it->second;
}

const Call* State::call(std::string_view id) const {
  auto it = calls.find(std::string(id));
  return it == calls.end() ? nullptr : &it->second;
}

}  // namespace sijill::domain::ami
