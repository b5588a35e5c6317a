#include "huoju/filing/workflow.hpp"

#include <array>

namespace huoju::filing {

namespace {

struct StateText {
  FilingState state;
  const char* code;
  const char* name;
};

constexpr std::array<StateText, 5> kStates = {{
    {FilingState::kNotStarted, "not_started", "未填报"},
    {FilingState::kDraft, "draft", "草稿"},
    {FilingState::kSubmitted, "submitted", "审核中"},
    {FilingState::kReturned, "returned", "已退回"},
    {FilingState::kFinal, "final", "已终审"},
}};

}  // namespace

const char* StateCode(FilingState state) {
  return kStates[static_cast<size_t>(state)].code;
}

const char* StateName(FilingState state) {
  return kStates[static_cast<size_t>(state)].name;
}

std::optional<FilingState> ParseState(std::string_view code) {
  for (const auto& s : kStates) {
    if (code == s.code) {
      return s.state;
    }
  }
  return std::nullopt;
}

const char* LevelName(std::string_view level) {
  if (level == "zone_or_city") {
    return "园区/地市";
  }
  if (level == "zone") {
    return "园区";
  }
  if (level == "city") {
    return "地市";
  }
  if (level == "province") {
    return "省级";
  }
  if (level == "center") {
    return "火炬中心";
  }
  return "审核";
}

std::optional<size_t> ReviewerLevel(const identity::Principal& who,
                                    const std::vector<std::string>& chain) {
  auto matches = [&](const std::string& level) {
    if (who.role == identity::Role::kCenter) {
      return level == "center";
    }
    if (who.role != identity::Role::kReviewer) {
      return false;
    }
    switch (who.scope.kind) {
      case org::NodeKind::kZone:
        return level == "zone_or_city" || level == "zone";
      case org::NodeKind::kCity:
        return level == "zone_or_city" || level == "city";
      case org::NodeKind::kProvince:
        return level == "province";
      default:
        return false;
    }
  };
  for (size_t i = 0; i < chain.size(); ++i) {
    if (matches(chain[i])) {
      return i;
    }
  }
  return std::nullopt;
}

Status CanEdit(const FilingStatus& f) {
  switch (f.state) {
    case FilingState::kSubmitted:
      return Status::Conflict("报表已上报，正在审核中，不能修改；如需修改请先撤回或等待退回");
    case FilingState::kFinal:
      return Status::Conflict("报表已终审，不能修改");
    case FilingState::kReturned:
      return Status::Ok();  // a return reopens the filing, even after the due date
    default:
      break;
  }
  if (!f.period_started) {
    return Status::Conflict("本报告期尚未开始填报");
  }
  if (!f.filling_open) {
    return Status::Conflict("填报已截止，如需补报请联系上级主管部门延期");
  }
  return Status::Ok();
}

Status CanSubmit(const FilingStatus& f) {
  if (f.state == FilingState::kNotStarted) {
    return Status::Conflict("报表尚未填报，不能上报");
  }
  return CanEdit(f);
}

Status CanWithdraw(const FilingStatus& f) {
  if (f.state != FilingState::kSubmitted) {
    return Status::Conflict("只有已上报的报表可以撤回");
  }
  if (f.review_level != 0 || f.reviewed_at_level0) {
    return Status::Conflict("报表已进入审核，不能撤回；如需修改请联系审核人员退回");
  }
  return Status::Ok();
}

Status CanReview(const FilingStatus& f, size_t level, size_t chain_size) {
  if (level >= chain_size) {
    return Status::Forbidden("您不在该报表的审核流程中");
  }
  if (f.state != FilingState::kSubmitted) {
    return Status::Conflict("报表当前不在审核中");
  }
  if (f.review_level != level) {
    return Status::Conflict(f.review_level < level ? "报表尚未经下级审核通过"
                                                   : "报表已由本级审核，正在上级审核中");
  }
  if (!f.review_open) {
    return Status::Conflict("审核已截止，如需延期请联系火炬中心");
  }
  return Status::Ok();
}

Status CanReopen(const FilingStatus& f, size_t level, size_t chain_size) {
  if (level >= chain_size) {
    return Status::Forbidden("您不在该报表的审核流程中");
  }
  if (f.state == FilingState::kFinal) {
    if (level + 1 != chain_size) {
      return Status::Conflict("已终审的报表只能由最后一级审核重新打开");
    }
    return Status::Ok();
  }
  if (f.state != FilingState::kSubmitted || f.review_level != level || level == 0) {
    return Status::Conflict("只能重新打开已经下级审核通过、正由本级审核的报表");
  }
  return Status::Ok();
}

}  // namespace huoju::filing
