// Typed views of a simdjson element whose type the caller has already checked.
//
// Internal to sijill_json. They return by value: ranging over `element.get_array().value_unsafe()`
// would iterate a reference into a temporary that is gone when the loop starts.
#pragma once

#include <simdjson.h>

namespace sijill::json::detail {

// (The copy is made before the temporary result is destroyed, at the end of the return.)
inline simdjson::dom::array as_array(simdjson::dom::element value) { return value.get_array().value_unsafe(); }

inline simdjson::dom::object as_object(simdjson::dom::element value) { return value.get_object().value_unsafe(); }

}  // namespace sijill::json::detail
