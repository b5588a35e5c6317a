#include "huoju/catalog/model.hpp"

namespace huoju::catalog {

const std::vector<std::string>& SummaryDimensions() {
  static const std::vector<std::string> kDimensions = {"province",
                                                       "city",
                                                       "zone",
                                                       "industry_section",
                                                       "industry_division",
                                                       "high_tech_field",
                                                       "registration_type",
                                                       "size_class",
                                                       "state"};
  return kDimensions;
}

const SummaryLayout* Form::FindSummaryLayout(const std::string& id) const {
  for (const auto& l : summary_layouts) {
    if (l.id == id) {
      return &l;
    }
  }
  return nullptr;
}

const Indicator* Form::FindIndicator(const std::string& code) const {
  for (const auto& i : indicators) {
    if (i.code == code) {
      return &i;
    }
  }
  return nullptr;
}

const RowTable* Form::FindRowTable(const std::string& code) const {
  for (const auto& t : row_tables) {
    if (t.code == code) {
      return &t;
    }
  }
  return nullptr;
}

const Column* RowTable::FindColumn(const std::string& code) const {
  for (const auto& c : columns) {
    if (c.code == code) {
      return &c;
    }
  }
  return nullptr;
}

const Form* Catalog::FindForm(const std::string& code) const {
  for (const auto& f : forms) {
    if (f.code == code) {
      return &f;
    }
  }
  return nullptr;
}

const Form* Catalog::FindFormByRef(const std::string& ref) const {
  for (const auto& f : forms) {
    if (f.ref_name == ref) {
      return &f;
    }
  }
  return nullptr;
}

const CodeList* Catalog::FindCodeList(const std::string& id) const {
  auto it = code_lists.find(id);
  return it == code_lists.end() ? nullptr : &it->second;
}

}  // namespace huoju::catalog
