// Scores are kept as integers of half points (the grid allows whole or half points), and a
// final score that is a mean is kept as an exact fraction: nothing is rounded before ranking.
#pragma once

#include <compare>
#include <cstdint>

namespace sijill::domain::ami {

// numerator / denominator half points, denominator > 0.
struct Fraction {
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;

  friend std::strong_ordering operator<=>(const Fraction& a, const Fraction& b) {
    // Denominators are small (a handful of evaluators): cross-multiplication cannot overflow.
    return a.numerator * b.denominator <=> b.numerator * a.denominator;
  }
  friend bool operator==(const Fraction& a, const Fraction& b) { return (a <=> b) == 0; }
};

}  // namespace sijill::domain::ami
