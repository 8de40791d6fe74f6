// HTML escaping and the EU emblem of the printable report.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <regex>
#include <string>

#include "sijill/evidence/html.h"

using namespace sijill;

TEST_CASE("html_escape replaces the five characters HTML gives a meaning to") {
  CHECK(evidence::html_escape("<script>alert(\"x\")</script>") == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  CHECK(evidence::html_escape("a & b") == "a &amp; b");
  CHECK(evidence::html_escape("l'OSC") == "l&#39;OSC");
  CHECK(evidence::html_escape("\" onmouseover=\"x") == "&quot; onmouseover=&quot;x");
  CHECK(evidence::html_escape("&amp;") == "&amp;amp;");
}

TEST_CASE("html_escape leaves other text, French and Arabic included, as it is") {
  CHECK(evidence::html_escape("").empty());
  CHECK(evidence::html_escape("Décision : éligible") == "Décision : éligible");
  CHECK(evidence::html_escape("قرار اللجنة: مؤهلة") == "قرار اللجنة: مؤهلة");
  CHECK(evidence::html_escape("ligne\nsuivante\t=1") == "ligne\nsuivante\t=1");
}

TEST_CASE("the EU emblem has twelve gold stars on blue, upright, on a circle of a third of the height") {
  const auto svg = evidence::eu_emblem_svg(48);
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(svg.find("width=\"72\" height=\"48\"") != std::string::npos);
  CHECK(svg.find("fill=\"#003399\"") != std::string::npos);
  CHECK(svg.find("href") == std::string::npos);  // nothing fetched

  const std::regex polygon("<polygon fill=\"#FFCC00\" points=\"([^\"]+)\"/>");
  int stars = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polygon); it != std::sregex_iterator(); ++it, ++stars) {
    // Ten points, alternately at 120/18 and at the inner radius from the star's centre; the
    // first straight up.
    std::vector<std::pair<double, double>> pts;
    const std::string list = (*it)[1];
    const std::regex pair("(-?[0-9.]+),(-?[0-9.]+)");
    for (auto p = std::sregex_iterator(list.begin(), list.end(), pair); p != std::sregex_iterator(); ++p) {
      pts.emplace_back(std::stod((*p)[1]), std::stod((*p)[2]));
    }
    REQUIRE(pts.size() == 10);
    double cx = 0, cy = 0;
    for (const auto& [x, y] : pts) {
      cx += x / 10;
      cy += y / 10;
    }
    // The centre is on the ring (radius 40 around 90,60), at the hour `stars`.
    const double a = 2 * std::numbers::pi * stars / 12;
    CHECK(std::abs(cx - (90 + 40 * std::sin(a))) < 0.05);
    CHECK(std::abs(cy - (60 - 40 * std::cos(a))) < 0.05);
    CHECK(std::abs(pts[0].first - cx) < 0.05);                  // upright: the first point above the centre
    CHECK(std::abs((cy - pts[0].second) - 120.0 / 18) < 0.05);  // at an eighteenth of the height
  }
  CHECK(stars == 12);
}
