#include "sijill/domain/ami/letter.h"

#include "sijill/time/zone.h"

namespace sijill::domain::ami {

namespace {

struct Wording {
  const char* french;
  const char* arabic;
};

Wording decision_wording(Stage stage) {
  switch (stage) {
    case Stage::selected:
      return {"Nous avons le plaisir de vous informer que votre candidature a été retenue.",
              "يسعدنا إخباركم بأنه قد تم اختيار طلبكم."};
    case Stage::waiting:
      return {
          "Votre candidature n'a pas été retenue à ce stade ; elle est inscrite sur la liste d'attente de votre "
          "région.",
          "لم يتم اختيار طلبكم في هذه المرحلة، وقد تم تسجيله في لائحة الانتظار الخاصة بجهتكم."};
    case Stage::ineligible:
      return {"Votre candidature n'a pas été jugée éligible.", "لم يُعتبر طلبكم مؤهلاً."};
    case Stage::inadmissible:
      return {"Votre candidature n'a pas été jugée recevable.", "لم يُعتبر طلبكم مقبولاً من حيث الشكل."};
    default:
      return {"", ""};
  }
}

}  // namespace

Result<Letter> notification_letter(const State& state, const std::string& application_id) {
  const auto* a = state.application(application_id);
  if (!a) return Status::not_found("no application " + application_id);
  if (!a->notified_at || !a->appeal_deadline) {
    return Status::rule_violation("not-notified", "application " + application_id + " has not been notified");
  }
  auto zone = time::Zone::locate();
  if (!zone) return zone.status();
  const auto org = state.organisations.find(a->organisation_id);
  const std::string name = org == state.organisations.end() ? a->organisation_id : org->second.legal_name;
  const auto call = state.calls.find(a->call_id);
  const std::string title = call == state.calls.end() ? a->call_id : call->second.config.title;
  const auto wording = decision_wording(a->stage);
  const std::string notified = time::format_local_fr(*a->notified_at, *zone);
  const std::string deadline = time::format_local_fr(*a->appeal_deadline, *zone);
  const std::string rank = a->stage == Stage::waiting && a->rank ? std::to_string(*a->rank) : "";

  Letter l;
  l.french = "Programme CAP+ — " + title + "\n" + "Le " + notified + "\n\n" + "À l'attention de : " + name + "\n" +
             "Objet : décision sur votre candidature " + a->id + "\n\n" + "Madame, Monsieur,\n\n" + wording.french +
             "\n" + (rank.empty() ? "" : "Rang dans le classement régional : " + rank + ".\n") +
             "Motif : " + (a->decision_rationale.empty() ? "—" : a->decision_rationale) + "\n\n" +
             "Vous pouvez former un recours, une seule fois, jusqu'au " + deadline +
             " (heure du Maroc), en précisant vos motifs.\n\n" + "L'équipe du programme CAP+\n\n" +
             "Cofinancé par l'Union européenne\n";
  l.arabic = "برنامج CAP+ — " + title + "\n" + "بتاريخ " + notified + "\n\n" + "إلى: " + name + "\n" +
             "الموضوع: القرار بشأن طلبكم " + a->id + "\n\n" + "السيدة، السيد،\n\n" + wording.arabic + "\n" +
             (rank.empty() ? "" : "الرتبة في الترتيب الجهوي: " + rank + ".\n") +
             "التعليل: " + (a->decision_rationale.empty() ? "—" : a->decision_rationale) + "\n\n" +
             "يمكنكم تقديم طعن مرة واحدة فقط إلى غاية " + deadline + " (بتوقيت المغرب)، مع بيان أسبابه.\n\n" +
             "فريق برنامج CAP+\n\n" + "بتمويل مشترك من الاتحاد الأوروبي\n";
  return l;
}

}  // namespace sijill::domain::ami
