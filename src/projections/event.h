// A committed event as the read model reads it (internal to the projections: it holds simdjson
// values, which stay out of the headers the rest of the server includes).
//
// Parsing a record gives views into a simdjson document and into a copy of the record's bytes,
// both owned by the caller, who keeps them for as long as the event is used: a replay parses a
// batch of records on one thread into documents and buffers that travel with the batch to the
// thread that applies them, and reuses them for later batches. Nothing of an event is copied
// until the model keeps it.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sijill/store/record.h"
#include "sijill/util/status.h"

namespace sijill::projections {

struct Event {
  std::uint64_t position = 0;
  store::Hash hash{};
  std::string_view stream;
  std::string_view type;
  std::string_view recorded_at;  // RFC 3339 UTC, milliseconds
  std::string_view actor_id;
  std::string_view actor_role;
  simdjson::dom::object data;  // {} when the record has none

  // Parses a record's hashed bytes: copies them into `buffer` (with the padding simdjson reads
  // past the end) and parses them into `document` with `parser`'s working memory. data_loss when
  // they are not a record.
  static Result<Event> parse(std::uint64_t position, const store::Hash& hash, std::string_view bytes,
                             simdjson::dom::parser& parser, simdjson::dom::document& document, std::string& buffer);

  // Asks the processor to bring the event's memory into its cache: for a thread that applies
  // events parsed on another one, a few events ahead (a hint; changes nothing).
  void prefetch() const;

 private:
  const std::uint64_t* tape_ = nullptr;  // the document's structure and strings
  std::size_t tape_words_ = 0;
  const std::uint8_t* strings_ = nullptr;
  std::size_t strings_bytes_ = 0;
};

}  // namespace sijill::projections
