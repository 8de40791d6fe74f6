// The AMI's state as bytes, for checkpoints of the processor's state (domain/module.h):
// AmiModule::save_state() and load_state(). cereal's portable binary archives, kept in this
// one file so that cereal stays out of the headers.
//
// The bytes: the format version (kFormatVersion), then State, member by member in the order
// below. Bump kFormatVersion whenever a struct of state.h, config.h or score.h changes (a
// member added, removed, reordered or retyped), and whenever evolve() changes what it makes of
// an event: checkpoints of the old layout or rules are then refused (data_loss) and the server
// replays the whole log once.
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include <cstdint>

#include "sijill/domain/ami/module.h"
#include "sijill/util/versioned_bytes.h"

namespace cereal {

// Instants as milliseconds since the epoch (time/instant.h).
template <class Archive>
void save(Archive& ar, const sijill::time::Instant& t) {
  ar(static_cast<std::int64_t>(t.time_since_epoch().count()));
}

template <class Archive>
void load(Archive& ar, sijill::time::Instant& t) {
  std::int64_t ms = 0;
  ar(ms);
  t = sijill::time::Instant(std::chrono::milliseconds(ms));
}

}  // namespace cereal

namespace sijill::time {

template <class Archive>
void serialize(Archive& ar, Deadline& d) {
  ar(d.local, d.zone, d.instant);
}

}  // namespace sijill::time

namespace sijill::domain::ami {

namespace {

constexpr std::uint32_t kFormatVersion = 1;

}  // namespace

template <class Archive>
void serialize(Archive& ar, Fraction& f) {
  ar(f.numerator, f.denominator);
}

template <class Archive>
void serialize(Archive& ar, Criterion& c) {
  ar(c.id, c.label, c.max_half_points);
}

template <class Archive>
void serialize(Archive& ar, CallConfig& c) {
  ar(c.call_id, c.title, c.regions, c.criteria, c.quotas, c.divergence_threshold_half_points, c.deadline,
     c.required_documents, c.appeal_period_days, c.min_evaluators, c.reallocation, c.rules_version);
}

template <class Archive>
void serialize(Archive& ar, Organisation& o) {
  ar(o.id, o.legal_name, o.legal_form, o.registration_number, o.region, o.province);
}

template <class Archive>
void serialize(Archive& ar, Submission& s) {
  ar(s.position, s.received_at, s.late, s.recorded_by);
}

template <class Archive>
void serialize(Archive& ar, Evaluation& e) {
  ar(e.evaluator, e.round, e.declaration, e.scored, e.half_points, e.total_half_points);
}

template <class Archive>
void serialize(Archive& ar, Appeal& a) {
  ar(a.filed_at, a.upheld);
}

template <class Archive>
void serialize(Archive& ar, Application& a) {
  ar(a.id, a.call_id, a.organisation_id, a.registration_number, a.region, a.place_region, a.dossiers, a.forms,
     a.complete_at, a.late, a.late_accepted, a.recorded_by, a.stage, a.round, a.evaluations, a.scored_before,
     a.conflicted, a.consensus_half_points, a.final_score, a.relevance, a.rank, a.was_selected, a.decision_rationale,
     a.decision_position, a.notified_at, a.notified_position, a.appeal_deadline, a.appeal, a.positions);
}

template <class Archive>
void serialize(Archive& ar, Call& c) {
  ar(c.config, c.next_application_number, c.selected, c.selection_closed);
}

template <class Archive>
void serialize(Archive& ar, State& s) {
  ar(s.calls, s.organisations, s.organisation_by_registration, s.applications, s.application_by_registration,
     s.persons);
}

std::optional<std::string> AmiModule::save_state() const {
  return util::save_versioned(kFormatVersion, [&](auto& archive) { archive(state_); });
}

Status AmiModule::load_state(std::string_view bytes) {
  State loaded;
  auto st = util::load_versioned(bytes, kFormatVersion, "the AMI state", [&](auto& archive) { archive(loaded); });
  if (!st) return st;
  state_ = std::move(loaded);
  return Status::ok();
}

}  // namespace sijill::domain::ami
