#include "sijill/time/deadline.h"

namespace sijill::time {

Result<Deadline> make_deadline(std::string_view local, const Zone& zone) {
  auto instant = resolve_local(local, zone);
  if (!instant) return instant.status();
  return Deadline{std::string(local), zone.name(), *instant};
}

bool on_time(Instant t, const Deadline& deadline) { return t < deadline.instant; }

}  // namespace sijill::time
