// The ranking of a call's scored applications in one region, with the documented tie-breaks
// (docs/domain/ami.md): higher final score, then higher relevance score, then earlier complete
// submission, then application id. Final and relevance scores are exact fractions.
#pragma once

#include <string>
#include <vector>

#include "sijill/domain/ami/state.h"

namespace sijill::domain::ami {

struct RankEntry {
  std::string application_id;
  Fraction final_score;
  Fraction relevance;
  time::Instant complete_at;
  Stage stage;
};

// true when a ranks before b.
bool ranks_before(const RankEntry& a, const RankEntry& b);

// Every application of `call_id` in `region` with a final score and not withdrawn, best first.
std::vector<RankEntry> ranking(const State& state, const std::string& call_id, const std::string& region);

}  // namespace sijill::domain::ami
