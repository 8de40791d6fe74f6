// sijill letter --data DIR --application ID: the notification letter of an application's
// notified decision, in French and Arabic (docs/domain/ami.md, "Notification and appeal").
// A reading command: it works on a copy of the data folder or beside a running server.
#include <iostream>

#include "commands.h"
#include "sijill/domain/ami/letter.h"
#include "sijill/domain/ami/module.h"
#include "sijill/processor/processor.h"

namespace sijill::cli {

Command add_letter(CLI::App& app) {
  struct Args {
    std::string data;
    std::string application;
    std::string lang = "both";
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("letter", "Print the notification letter of an application (French and Arabic)");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--application", args->application, "The application (APP-0001)")->required();
  sub->add_option("--lang", args->lang, "fr, ar or both (default both)")->check(CLI::IsMember({"fr", "ar", "both"}));
  return {sub, [args] {
            auto opened = open_for_reading(args->data);
            if (!opened) {
              std::cerr << "sijill letter: " << opened.status().message() << "\n";
              return kExitUsage;
            }
            domain::ami::AmiModule ami;
            if (auto st = processor::replay(**opened, {&ami}); !st) {
              std::cerr << "sijill letter: " << st.to_string() << "\n";
              return kExitFailed;
            }
            auto letter = domain::ami::notification_letter(ami.state(), args->application);
            if (!letter) {
              std::cerr << "sijill letter: " << letter.status().to_string() << "\n";
              return kExitFailed;
            }
            if (args->lang != "ar") std::cout << letter->french;
            if (args->lang == "both") std::cout << "\n" << std::string(72, '-') << "\n\n";
            if (args->lang != "fr") std::cout << letter->arabic;
            return kExitOk;
          }};
}

}  // namespace sijill::cli
