// Small pieces of the printable report (report.h): HTML escaping and the EU emblem.
#pragma once

#include <string>
#include <string_view>

namespace sijill::evidence {

// `text` made safe for HTML element content and for attribute values in double or single
// quotes: '&' '<' '>' '"' '\'' become "&amp;" "&lt;" "&gt;" "&quot;" "&#39;". Every other byte
// is copied as it is (the register's text is UTF-8: French and Arabic pass through intact). The
// result must not be placed inside <script> or <style>, nor in an unquoted attribute.
std::string html_escape(std::string_view text);

// The emblem of the European Union as inline SVG, drawn here rather than downloaded (DOMAIN.md,
// "EU visibility"): a blue rectangle of proportions 3:2 (Reflex Blue, #003399) with twelve gold
// five-pointed stars (#FFCC00) placed like the hours of a clock on a circle whose radius is a
// third of the height, each star upright, its points on a circle whose radius is an eighteenth
// of the height. `height_px` sets the drawn size; the geometry is in a 180x120 view box.
std::string eu_emblem_svg(int height_px);

// The EU visibility line, in French and English, as DOMAIN.md spells it.
inline constexpr std::string_view kCofundedFr = "Cofinancé par l'Union européenne";
inline constexpr std::string_view kCofundedEn = "Co-funded by the European Union";

}  // namespace sijill::evidence
