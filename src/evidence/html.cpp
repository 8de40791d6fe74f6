#include "sijill/evidence/html.h"

#include <charconv>
#include <cmath>
#include <numbers>

namespace sijill::evidence {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

namespace {

// A coordinate with two decimals, whatever the C locale says.
std::string number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

}  // namespace

std::string eu_emblem_svg(int height_px) {
  constexpr double kHeight = 120;
  constexpr double kWidth = kHeight * 3 / 2;
  constexpr double kCx = kWidth / 2, kCy = kHeight / 2;
  constexpr double kRing = kHeight / 3;    // the circle the stars stand on
  constexpr double kOuter = kHeight / 18;  // a star's points
  const double inner =
      kOuter * std::cos(2 * std::numbers::pi / 5) / std::cos(std::numbers::pi / 5);  // a regular {5/2} star
  const int width_px = height_px * 3 / 2;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"eu-emblem\" width=\"" +
                    std::to_string(width_px) + "\" height=\"" + std::to_string(height_px) + "\" viewBox=\"0 0 " +
                    number(kWidth) + " " + number(kHeight) +
                    "\" role=\"img\" aria-label=\"Emblème de l&#39;Union européenne / Emblem of the European Union\">";
  svg += "<rect width=\"" + number(kWidth) + "\" height=\"" + number(kHeight) + "\" fill=\"#003399\"/>";
  for (int hour = 0; hour < 12; ++hour) {
    const double a = 2 * std::numbers::pi * hour / 12;
    const double sx = kCx + kRing * std::sin(a);
    const double sy = kCy - kRing * std::cos(a);
    svg += "<polygon fill=\"#FFCC00\" points=\"";
    for (int k = 0; k < 10; ++k) {
      // Upright: the first point straight up, then every 36 degrees, outer and inner in turn.
      const double r = k % 2 == 0 ? kOuter : inner;
      const double b = std::numbers::pi * k / 5;
      if (k > 0) svg += ' ';
      svg += number(sx + r * std::sin(b)) + "," + number(sy - r * std::cos(b));
    }
    svg += "\"/>";
  }
  svg += "</svg>";
  return svg;
}

}  // namespace sijill::evidence
