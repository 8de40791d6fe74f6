// Instants: points on the UTC time line, with millisecond precision.
//
// Every instant the register stores (an event's recorded_at, a document's arrival, a deadline)
// is an Instant. The domain never reads the clock: instants come in with the commands. On the
// wire an instant is an RFC 3339 date-time; the register always writes it in UTC with exactly
// three fraction digits, and reads it with "Z" or an explicit numeric offset.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sijill/util/status.h"

namespace sijill::time {

// Milliseconds since 1970-01-01T00:00:00Z, leap seconds not counted (POSIX time).
using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

// The instant as RFC 3339 in UTC, always with milliseconds: "2026-07-02T09:15:03.123Z".
// Fixed width for years 0000 to 9999 (every instant parse_instant() returns); outside that
// range the text is the date library's and is not RFC 3339.
std::string format_utc(Instant t);

// Reads an RFC 3339 date-time, "YYYY-MM-DDTHH:MM:SS[.fraction]" followed by "Z" or a numeric
// offset "+HH:MM" / "-HH:MM" ("2026-07-02T10:15:03+01:00" is 09:15:03Z). "T" and "Z" may be
// lower case, as RFC 3339 allows; "-00:00" (UTC, local offset unknown) reads as "Z". Fraction
// digits beyond the millisecond are dropped (truncated towards the past, which keeps every
// comparison with a millisecond instant, such as a deadline, exactly as it was).
// Returns invalid_argument, with a message that quotes the text, says what is wrong and shows
// the expected form, for anything else: a missing offset, a space instead of "T", a date that
// does not exist (2026-02-30), a field out of range, a leap second (":60"), trailing text, an
// instant outside the years 0000 to 9999 once the offset is applied.
Result<Instant> parse_instant(std::string_view text);

}  // namespace sijill::time
