// The notification letter (lettre de notification): the decision on an application, its
// rationale and the appeal deadline, in French and in Arabic, with the EU visibility line.
// Plain UTF-8 text, ready to print or to attach to an e-mail; times in Africa/Casablanca.
#pragma once

#include <string>

#include "sijill/domain/ami/state.h"
#include "sijill/util/status.h"

namespace sijill::domain::ami {

struct Letter {
  std::string french;
  std::string arabic;  // right-to-left text; a renderer sets the direction
};

// The letter for the application's latest notified decision. Errors: not_found for an unknown
// application; rule_violation "not-notified" before NotifyDecision.
Result<Letter> notification_letter(const State& state, const std::string& application_id);

}  // namespace sijill::domain::ami
