// huoju/filing/workflow.hpp
//
// The filing state machine, the same for every form (architecture.md §3, "one filing
// workflow"). Pure decisions without I/O: the app layer loads a filing, asks here whether a
// transition is allowed for this caller at this time, and writes the result.
//
//   not_started ─save→ draft ─submit→ submitted@level0 ─approve→ submitted@level1 … ─approve→ final
//                    ↑                    │ withdraw (before any review)      │
//                    └──── returned ←─────┴── return (any level, with pins) ──┘
//   reopen: the level holding a filing sends it back one level for review again (a final
//   filing is held by the last level), with a reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "huoju/identity/principal.hpp"

namespace huoju::filing {

enum class FilingState { kNotStarted, kDraft, kSubmitted, kReturned, kFinal };

const char* StateCode(FilingState state);  ///< not_started, draft, submitted, returned, final
const char* StateName(FilingState state);  ///< 未填报, 草稿, 已上报, 已退回, 已终审
std::optional<FilingState> ParseState(std::string_view code);

/// One level of a review chain as the catalog names it: zone_or_city, province, center.
const char* LevelName(std::string_view level);  ///< 园区/地市, 省级, 火炬中心

/// The review-chain level `who` acts at, or nullopt when the account reviews at none of them:
/// reviewers scoped to a zone or city act at `zone_or_city` (or `zone`/`city`), those scoped to
/// a province at `province`, the Torch Center at `center`.
std::optional<size_t> ReviewerLevel(const identity::Principal& who,
                                    const std::vector<std::string>& chain);

/// What a filing looks like to the workflow.
struct FilingStatus {
  FilingState state = FilingState::kNotStarted;
  size_t review_level = 0;          ///< level holding a submitted filing
  bool reviewed_at_level0 = false;  ///< some level already acted since the last submit
  bool filling_open = true;         ///< today ≤ due date (after extensions)
  bool review_open = true;          ///< today ≤ review due date (after extensions)
  bool period_started = true;       ///< today ≥ opening day
};

/// The unit may save data (draft, returned, not started) while filling is open, or after the
/// due date only for a returned filing (a return reopens it).
Status CanEdit(const FilingStatus& f);
/// Submission (audit errors and unexplained warnings are checked by the caller).
Status CanSubmit(const FilingStatus& f);
/// Withdrawal by the unit: submitted, at the first level, no reviewer has acted yet.
Status CanWithdraw(const FilingStatus& f);
/// Approve or return by a reviewer at `level`: the filing must be submitted and held there.
Status CanReview(const FilingStatus& f, size_t level, size_t chain_size);
/// Reopen by a reviewer at `level`: the filing is held at `level` (> 0) or final and `level`
/// is the last one; it goes back one level (final: back to the last level).
Status CanReopen(const FilingStatus& f, size_t level, size_t chain_size);

}  // namespace huoju::filing
