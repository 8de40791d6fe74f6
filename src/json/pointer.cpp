#include "sijill/json/pointer.h"

namespace sijill::json {

void append_pointer_token(std::string& pointer, std::string_view key) {
  pointer.reserve(pointer.size() + key.size() + 1);
  pointer += '/';
  for (char c : key) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

void append_pointer_index(std::string& pointer, std::size_t index) {
  pointer += '/';
  pointer += std::to_string(index);
}

std::string make_pointer(std::initializer_list<std::string_view> tokens) {
  std::string pointer;
  for (std::string_view token : tokens) append_pointer_token(pointer, token);
  return pointer;
}

}  // namespace sijill::json
