#include "sijill/domain/ami/ranking.h"

#include <algorithm>

namespace sijill::domain::ami {

bool ranks_before(const RankEntry& a, const RankEntry& b) {
  if (a.final_score != b.final_score) return a.final_score > b.final_score;
  if (a.relevance != b.relevance) return a.relevance > b.relevance;
  if (a.complete_at != b.complete_at) return a.complete_at < b.complete_at;
  return a.application_id < b.application_id;
}

std::vector<RankEntry> ranking(const State& state, const std::string& call_id, const std::string& region) {
  std::vector<RankEntry> out;
  for (const auto& [id, a] : state.applications) {
    if (a.call_id != call_id || a.region != region || !a.final_score || a.stage == Stage::withdrawn) continue;
    if (a.stage != Stage::scored && a.stage != Stage::selected && a.stage != Stage::waiting) continue;
    out.push_back({id, *a.final_score, a.relevance, a.complete_at.value_or(time::Instant{}), a.stage});
  }
  std::sort(out.begin(), out.end(), ranks_before);
  return out;
}

}  // namespace sijill::domain::ami
