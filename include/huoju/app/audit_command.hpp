// huoju/app/audit_command.hpp
//
// `huoju audit --catalog DIR --form CODE --input FILE.json|FILE.csv [--previous FILE.json]`:
// audits filings from a file with the catalog's rules and prints every failure.
#pragma once

#include <string>
#include <vector>

namespace huoju::app {

/// Returns the exit code: 0 no errors (warnings may be printed), 1 at least one error-severity
/// failure, 2 usage or input problem (a message naming the file, row or field).
int RunAuditCommand(const std::vector<std::string>& args);

}  // namespace huoju::app
