// A committed event as the read model reads it (internal to the projections: it is filled with
// simdjson's on-demand parser, which stays out of the headers the rest of the server includes).
//
// Reading a record keeps only what Model::apply uses: the envelope's stream, type, time and
// actor, and those members of the data the model reads (F below), each found once. The rest of
// the record, and the bulk of the data (a score's justifications, a form's answers, which the
// views read from the log when they need them), is skipped without being parsed into anything.
//
// Every text an Event holds is a view into one buffer owned by the caller, who keeps it for as
// long as the event is used: a replay holds a batch of records on one thread in events and
// buffers that travel with the batch to the thread that applies them, and reuses both for later
// batches. Holding a record copies its bytes once; reading it allocates nothing, and copies
// only the rare string that must be unescaped.
//
// What reading checks: that the record is an object, and JSON as far as it is read; the parts
// skipped are not validated. It reads the records the store writes (docs/chain-format.md: each
// envelope member once, unescaped names, in a fixed order), whose bytes `sijill verify` checks
// against their hashes; of a name repeated inside `data`, the first counts. A member that does
// not read as the type the model expects (a malformed number, an integer beyond 64 bits, an
// object that does not parse) counts as missing, as a member of another type does.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sijill/store/record.h"
#include "sijill/util/status.h"

namespace sijill::projections {

// The members of events' data that the model reads. A new one needs its name in field_of().
enum class F : std::uint8_t {
  appeal_deadline,
  call_id,
  conflict,
  corrects_position,
  deadline_local,
  deadline_utc,
  divergence_threshold_points,
  documents,
  domains,
  eligible,
  evaluator_id,
  final_half_points,
  grounds,
  late,
  legal_form,
  legal_name,
  missing_documents,
  next_round,
  notified_at,
  of,
  organisation_id,
  place_region,
  province,
  quotas,
  rank,
  rationale,
  reason,
  received_at,
  region,
  regions,
  registration,
  registration_number,
  relevance_half_points,
  round,
  rules_version,
  statement,
  title,
  total_half_points,
  upheld,
  zone,
};
inline constexpr std::size_t kFields = static_cast<std::size_t>(F::zone) + 1;

// The field a data member's name is, if the model reads it.
std::optional<F> field_of(std::string_view name);

// One member of an event's data, as the record holds it.
struct Member {
  enum class Kind : std::uint8_t {
    string,   // text: the string, unescaped
    integer,  // integer: an integer that fits int64 (or uint64, converted)
    boolean,  // boolean
    json,     // text: an object's or an array's JSON text, as in the record
    other,    // a null, or a number that is not an integer
  };
  Kind kind;
  bool boolean;
  std::int64_t integer;
  std::string_view text;
};

class Event {
 public:
  std::uint64_t position = 0;
  store::Hash hash{};
  std::string_view stream;
  std::string_view type;
  std::string_view recorded_at;  // RFC 3339 UTC, milliseconds
  std::string_view actor_id;
  std::string_view actor_role;

  // The data's member `f` (the first, if the record repeats a name), or null when it has none.
  const Member* member(F f) const {
    const auto at = at_[static_cast<std::size_t>(f)];
    return at == 0 ? nullptr : &members_[at - 1];
  }

  // Keeps a record's hashed bytes: copies them into `buffer`, which the event's texts will point
  // into, with the padding simdjson reads past the end and room for strings that must be
  // unescaped. The buffer stays unchanged for as long as the event is used.
  void hold(std::uint64_t at, const store::Hash& digest, std::string_view bytes, std::string& buffer);

  // Reads the record held (once per hold(), on any thread): its envelope and the members of its
  // data that the model reads. data_loss when it is not a record; the event is then unspecified.
  Status read(simdjson::ondemand::parser& parser);

  // hold(), then read().
  Status parse(std::uint64_t at, const store::Hash& digest, std::string_view bytes, simdjson::ondemand::parser& parser,
               std::string& buffer) {
    hold(at, digest, bytes, buffer);
    return read(parser);
  }

  // Asks the processor to bring the event's memory into its cache: for a thread that reads or
  // applies events held or read on another one, a few events ahead (a hint; changes nothing).
  void prefetch() const;

 private:
  std::array<std::uint8_t, kFields> at_{};  // 1 + the index in members_ of each field, 0: absent
  std::uint8_t count_ = 0;
  std::array<Member, kFields> members_;  // the first count_, in the record's order
  char* record_ = nullptr;               // the record's bytes (in the buffer), then the padding,
  std::size_t record_bytes_ = 0;         // then as many bytes for unescaped strings
};

}  // namespace sijill::projections
