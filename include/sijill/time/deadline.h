// Deadlines: a local time as it was written, in a zone, and the UTC instant it stands for.
//
// The call text says "30/06/2026 20:00" (local time); the register compares UTC instants. A
// Deadline keeps both, so a letter or a screen quotes the deadline exactly as it was published
// while every on-time decision compares instants. Once recorded, the instant is what counts.
#pragma once

#include <string>
#include <string_view>

#include "sijill/time/instant.h"
#include "sijill/time/zone.h"
#include "sijill/util/status.h"

namespace sijill::time {

struct Deadline {
  std::string local;  // as written, e.g. "30/06/2026 20:00"
  std::string zone;   // the zone it was written in, e.g. "Africa/Casablanca"
  Instant instant;    // the UTC instant: 2026-06-30T19:00:00.000Z

  friend bool operator==(const Deadline&, const Deadline&) = default;
};

// The deadline for `local`, a local time in `zone` in one of the forms resolve_local() accepts.
// Returns the errors of resolve_local() (invalid_argument, and the rule violations
// "ambiguous-local-time", "nonexistent-local-time", "offset-mismatch").
Result<Deadline> make_deadline(std::string_view local, const Zone& zone);

// True when `t` is strictly before the deadline: an arrival at the deadline's instant is late.
bool on_time(Instant t, const Deadline& deadline);

}  // namespace sijill::time
