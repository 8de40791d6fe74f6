// The AMI module: applications, eligibility, evaluation and selection of the call's CSOs
// (Pillar 0). Its rules are DOMAIN.md's; docs/domain/ami.md lists each rule with its command,
// its events and its named rejection.
#pragma once

#include "sijill/domain/ami/state.h"
#include "sijill/domain/module.h"

namespace sijill::domain::ami {

class AmiModule final : public Module {
 public:
  std::vector<std::string> commands() const override;
  Result<Decision> decide(std::string_view command, const boost::json::object& data,
                          const CommandContext& context) const override;
  void evolve(const RecordedEvent& event) override;
  // The whole State, versioned (src/domain/ami/state_io.cpp).
  std::optional<std::string> save_state() const override;
  Status load_state(std::string_view bytes) override;

  const State& state() const { return state_; }

 private:
  State state_;
};

}  // namespace sijill::domain::ami
