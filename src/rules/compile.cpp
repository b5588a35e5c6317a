// Name resolution, type checking and compilation of rule expressions (docs/rule-language.md,
// "Type checking at load"). One pass does all three so that `catalog check` and the engine can
// never disagree about what a rule means.
#include "src/rules/compile.hpp"

#include <algorithm>
#include <set>

#include "huoju/rules/engine.hpp"
#include "huoju/rules/parser.hpp"

namespace huoju::rules {

using catalog::Catalog;
using catalog::Form;
using catalog::Problem;
using catalog::SourceRef;
using catalog::ValueType;

bool CodeSet::Contains(std::string_view s) const {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), s,
                             [](const std::string& a, std::string_view b) { return a < b; });
  return it != sorted.end() && *it == s;
}

VType TypeOf(const catalog::IndicatorType& t) {
  if (t.IsNumber()) {
    return VType::kNumber;
  }
  switch (t.kind) {
    case ValueType::kDate:
      return VType::kDate;
    case ValueType::kBool:
      return VType::kBool;
    case ValueType::kMultiCode:
      return VType::kList;
    default:
      return VType::kText;
  }
}

SlotKind KindOf(const catalog::IndicatorType& t) {
  switch (TypeOf(t)) {
    case VType::kText:
      return SlotKind::kText;
    case VType::kList:
      return SlotKind::kList;
    default:
      return SlotKind::kNumber;
  }
}

namespace {

SlotRef NextSlot(SlotKind k, int* numbers, int* texts, int* lists) {
  int* counter = k == SlotKind::kNumber ? numbers : (k == SlotKind::kText ? texts : lists);
  return SlotRef{k, (*counter)++};
}

}  // namespace

FormLayout MakeLayout(const Form& form) {
  FormLayout l;
  for (size_t i = 0; i < form.indicators.size(); ++i) {
    l.indicators.push_back(
        NextSlot(KindOf(form.indicators[i].type), &l.numbers, &l.texts, &l.lists));
    l.indicator_index.emplace(form.indicators[i].code, static_cast<int>(i));
  }
  for (size_t t = 0; t < form.row_tables.size(); ++t) {
    TableLayout tl;
    for (const auto& c : form.row_tables[t].columns) {
      tl.columns.push_back(NextSlot(KindOf(c.type), &tl.numbers, &tl.texts, &tl.lists));
    }
    l.tables.push_back(std::move(tl));
    l.table_index.emplace(form.row_tables[t].code, static_cast<int>(t));
  }
  return l;
}

namespace {

const char* TypeName(VType t) {
  switch (t) {
    case VType::kNumber:
      return "数值";
    case VType::kText:
      return "文本";
    case VType::kBool:
      return "逻辑值";
    case VType::kDate:
      return "日期";
    case VType::kList:
      return "代码列表";
    case VType::kError:
      break;
  }
  return "错误";
}

struct BindError {
  int line = 1;
  int column = 1;
  std::string message;
};

// What the expression being bound may refer to.
struct Scope {
  int form = -1;        // own form
  int each_table = -1;  // for_each table of the own form
  bool prev = false;    // inside prev(): fixed cells of the previous period only
  int agg_form = -1;    // innermost aggregate's table (its `where` condition)
  int agg_table = -1;
  double tol = 0;      // tolerance of number comparisons
  bool cells = false;  // collect referenced cells
};

class Binder {
 public:
  Binder(const Catalog& cat, Program* prog, const CompiledCatalog* previous)
      : cat_(cat), prog_(prog), previous_(previous) {}

  // Parses and binds `text`; null on any error (appended to *errors).
  const CNode* Bind(std::string_view text, const Scope& scope, std::vector<BindError>* errors,
                    std::vector<CellTemplate>* cells) {
    ParseResult pr = ParseExpression(text);
    if (!pr.ok()) {
      errors->push_back({pr.error.line, pr.error.column, pr.error.message});
      return nullptr;
    }
    return BindTree(*pr.root, scope, errors, cells);
  }

  const CNode* BindTree(const Node& root, const Scope& scope, std::vector<BindError>* errors,
                        std::vector<CellTemplate>* cells) {
    auto* saved_errors = errors_;
    auto* saved_cells = cells_;
    errors_ = errors;
    cells_ = cells;
    size_t before = errors->size();
    const CNode* n = B(root, scope);
    errors_ = saved_errors;
    cells_ = saved_cells;
    return errors->size() == before && n->type != VType::kError ? n : nullptr;
  }

  // Binds a reference written in a rule's `cells:` list into a cell template.
  bool BindCell(const std::string& text, const Scope& scope, std::vector<BindError>* errors,
                std::vector<CellTemplate>* out) {
    ParseResult pr = ParseExpression(text);
    if (!pr.ok() || pr.root->kind != NodeKind::kRef) {
      errors->push_back({1, 1, "cells中的“" + text + "”不是指标引用"});
      return false;
    }
    const Node& r = *pr.root;
    if (r.star) {
      int f = -1, t = -1, c = -1;
      errors_ = errors;
      if (!ResolveColumn(r, scope, &f, &t, &c)) {
        return false;
      }
      out->push_back({text, "", false});
      return true;
    }
    Scope s = scope;
    s.cells = true;
    cells_ = out;
    errors_ = errors;
    size_t before = errors->size();
    B(r, s);
    cells_ = nullptr;
    return errors->size() == before;
  }

  CNode* New(Op op, VType type) {
    prog_->nodes.emplace_back();
    CNode* n = &prog_->nodes.back();
    n->op = op;
    n->type = type;
    return n;
  }

  const CodeSet* InternSet(const std::string& key, std::vector<std::string> items) {
    auto it = prog_->sets.find(key);
    if (it == prog_->sets.end()) {
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
      it = prog_->sets.emplace(key, CodeSet{std::move(items)}).first;
    }
    return &it->second;
  }

 private:
  const CNode* Error(const Node& at, std::string msg) {
    errors_->push_back({at.line, at.column, std::move(msg)});
    return ErrorNode();
  }
  const CNode* ErrorNode() { return New(Op::kConst, VType::kError); }

  static bool AnyError(const std::vector<const CNode*>& kids) {
    return std::any_of(kids.begin(), kids.end(),
                       [](const CNode* k) { return k->type == VType::kError; });
  }

  void AddCell(CellTemplate c) {
    if (cells_ == nullptr) {
      return;
    }
    for (const auto& e : *cells_) {
      if (e.prefix == c.prefix && e.suffix == c.suffix) {
        return;
      }
    }
    cells_->push_back(std::move(c));
  }

  const std::string& RefName(int form) const { return cat_.forms[form].ref_name; }
  int FormIndexByRef(const std::string& ref) const {
    const Form* f = cat_.FindFormByRef(ref);
    return f == nullptr ? -1 : static_cast<int>(f - cat_.forms.data());
  }

  // Resolves `[F.]t[*].c` to (form, table, column).
  bool ResolveColumn(const Node& r, const Scope& s, int* f, int* t, int* c) {
    *f = s.form;
    if (!r.form.empty()) {
      *f = FormIndexByRef(r.form);
      if (*f < 0) {
        Error(r, "未知的表“" + r.form + "”");
        return false;
      }
    }
    const auto& layout = prog_->layouts[*f];
    auto ti = layout.table_index.find(r.name);
    if (ti == layout.table_index.end()) {
      Error(r, "表" + RefName(*f) + "中没有行表“" + r.name + "”");
      return false;
    }
    *t = ti->second;
    const auto& cols = cat_.forms[*f].row_tables[*t].columns;
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].code == r.column_name) {
        *c = static_cast<int>(i);
        return true;
      }
    }
    Error(r, "行表“" + r.name + "”中没有列“" + r.column_name + "”");
    return false;
  }

  std::string ColumnCellText(int f, int t, int c, const Scope& s) const {
    std::string out;
    if (f != s.form) {
      out = RefName(f) + ".";
    }
    const auto& table = cat_.forms[f].row_tables[t];
    return out + table.code + "[*]." + table.columns[c].code;
  }

  const CNode* BindRef(const Node& r, const Scope& s) {
    if (r.star) {
      int f, t, c;
      if (!ResolveColumn(r, s, &f, &t, &c)) {
        return ErrorNode();
      }
      if (f != s.agg_form || t != s.agg_table) {
        return Error(
            r, "“" + r.RefText() +
                   "”是整列数据，只能用在聚合函数（sum、count、min、max、avg）中或其where条件中");
      }
      const auto& col = cat_.forms[f].row_tables[t].columns[c];
      CNode* n = New(Op::kAggCell, TypeOf(col.type));
      n->form = f;
      n->table = t;
      n->slot = prog_->layouts[f].tables[t].columns[c].slot;
      n->slot_kind = KindOf(col.type);
      return n;
    }
    int f = s.form;
    if (r.form.empty()) {
      if (s.each_table >= 0) {
        const auto& table = cat_.forms[f].row_tables[s.each_table];
        for (size_t c = 0; c < table.columns.size(); ++c) {
          if (table.columns[c].code == r.name) {
            if (s.prev) {
              return Error(r, "prev()只能用于固定指标，不能用于行表的列");
            }
            CNode* n = New(Op::kRowCell, TypeOf(table.columns[c].type));
            n->form = f;
            n->table = s.each_table;
            n->slot = prog_->layouts[f].tables[s.each_table].columns[c].slot;
            n->slot_kind = KindOf(table.columns[c].type);
            if (s.cells) {
              AddCell({table.code + "[", "]." + r.name, true});
            }
            return n;
          }
        }
      }
    } else {
      f = FormIndexByRef(r.form);
      if (f < 0) {
        return Error(r, "未知的表“" + r.form + "”");
      }
    }
    const auto& layout = prog_->layouts[f];
    auto it = layout.indicator_index.find(r.name);
    if (it == layout.indicator_index.end()) {
      if (layout.table_index.count(r.name) != 0) {
        return Error(r, "“" + r.name + "”是行表，请写作“" + r.name + "[*].列名”或“count_rows(" +
                            r.name + ")”");
      }
      if (r.form.empty()) {
        return Error(r, "未知的指标“" + r.name + "”");
      }
      return Error(r, "表" + r.form + "中没有指标“" + r.name + "”");
    }
    if (s.cells && !s.prev) {
      AddCell({f == s.form ? r.name : RefName(f) + "." + r.name, "", false});
    }
    return LoadIndicator(r, f, it->second, s.prev);
  }

  const CNode* LoadIndicator(const Node& at, int f, int i, bool prev) {
    const auto& ind = cat_.forms[f].indicators[i];
    if (!ind.formula.empty()) {
      return BindFormula(at, f, i, prev);
    }
    SlotRef slot = prog_->layouts[f].indicators[i];
    CNode* n = New(prev ? Op::kPrevLoad : Op::kLoad, TypeOf(ind.type));
    n->form = f;
    n->slot = slot.slot;
    n->slot_kind = slot.kind;
    if (prev) {
      n->xplan = CrossPlan(f, ind.code, slot.kind);
    }
    return n;
  }

  // prev(new code) in a filing of the previous catalog year, through the crosswalk.
  int CrossPlan(int f, const std::string& code, SlotKind kind) {
    if (previous_ == nullptr) {
      return -1;
    }
    const Catalog& old = previous_->catalog();
    const Form& form = cat_.forms[f];
    XPlan plan;
    plan.kind = kind;
    plan.form_code = form.code;
    const Form* of = old.FindForm(form.code);
    const auto& old_layouts = previous_->program().layouts;
    if (of != nullptr) {
      int oi = static_cast<int>(of - old.forms.data());
      const FormLayout& ol = old_layouts[oi];
      auto add = [&](const std::string& old_code, double share) {
        auto it = ol.indicator_index.find(old_code);
        if (it != ol.indicator_index.end() && ol.indicators[it->second].kind == kind) {
          plan.parts.emplace_back(ol.indicators[it->second].slot, share);
          plan.codes.push_back(old_code);
        }
      };
      const catalog::FormCrosswalk* cw = nullptr;
      if (auto it = cat_.crosswalk.find(form.code); it != cat_.crosswalk.end()) {
        cw = &it->second;
      }
      bool mapped = false;
      if (cw != nullptr) {
        if (std::find(cw->added.begin(), cw->added.end(), code) != cw->added.end()) {
          mapped = true;  // new this year: no predecessor, even if the old form had the code
        } else if (auto m = cw->merged.find(code); m != cw->merged.end()) {
          mapped = true;
          plan.sum = true;
          for (const auto& o : m->second) {
            add(o, 1.0);
          }
        }
        for (const auto& [old_code, shares] : cw->split) {
          if (auto sh = shares.find(code); !mapped && sh != shares.end()) {
            mapped = true;
            add(old_code, sh->second);
          }
        }
        for (const auto& [old_code, new_code] : cw->renamed) {
          if (!mapped && new_code == code) {
            mapped = true;
            add(old_code, 1.0);
          }
        }
      }
      if (!mapped) {
        add(code, 1.0);
      }
      if (!plan.parts.empty()) {
        plan.form = oi;
      }
    }
    prog_->xplans.push_back(std::move(plan));
    return static_cast<int>(prog_->xplans.size()) - 1;
  }

  const CNode* BindFormula(const Node& at, int f, int i, bool prev) {
    auto key = std::make_tuple(f, i, prev);
    if (auto it = formula_cache_.find(key); it != formula_cache_.end()) {
      return it->second;
    }
    const auto& ind = cat_.forms[f].indicators[i];
    std::string name = RefName(f) + "." + ind.code;
    if (std::find(formula_stack_.begin(), formula_stack_.end(), name) != formula_stack_.end()) {
      std::string chain;
      for (const auto& s : formula_stack_) {
        chain += s + " → ";
      }
      if (cycle_errors_ != nullptr) {
        cycle_errors_->push_back({at.line, at.column, "派生指标循环引用：" + chain + name});
      }
      return ErrorNode();
    }
    formula_stack_.push_back(name);
    Scope s;
    s.form = f;
    s.prev = prev;
    std::vector<BindError> errs;  // reported where the formula itself is checked
    auto* saved_errors = errors_;
    auto* saved_cells = cells_;
    const CNode* n = Bind(ind.formula, s, &errs, nullptr);
    errors_ = saved_errors;
    cells_ = saved_cells;
    formula_stack_.pop_back();
    if (n == nullptr) {
      return ErrorNode();
    }
    if (n->type != TypeOf(ind.type)) {
      return ErrorNode();
    }
    formula_cache_[key] = n;
    return n;
  }

  const CNode* Const(VType t, double v) {
    CNode* n = New(Op::kConst, t);
    n->num = v;
    return n;
  }

  const CNode* B(const Node& n, const Scope& s) {
    switch (n.kind) {
      case NodeKind::kNumber:
        return Const(VType::kNumber, n.number);
      case NodeKind::kBool:
        return Const(VType::kBool, n.boolean ? 1 : 0);
      case NodeKind::kString: {
        CNode* c = New(Op::kConst, VType::kText);
        c->text = n.text;
        return c;
      }
      case NodeKind::kList:
        return Error(n, "列表只能用在“in”的右边");
      case NodeKind::kWhere:
        return Error(n, "“where”只能用在聚合函数中");
      case NodeKind::kRef:
        return BindRef(n, s);
      case NodeKind::kUnary:
        return BindUnary(n, s);
      case NodeKind::kBinary:
        return BindBinary(n, s);
      case NodeKind::kCall:
        return BindCall(n, s);
    }
    return ErrorNode();
  }

  const CNode* Expect(const Node& n, const Scope& s, VType want, const char* what) {
    const CNode* c = B(n, s);
    if (c->type != VType::kError && c->type != want) {
      return Error(n, std::string(what) + "应为" + TypeName(want) + "，实为" + TypeName(c->type));
    }
    return c;
  }

  const CNode* BindUnary(const Node& n, const Scope& s) {
    bool neg = n.text == "-";
    const CNode* a = Expect(*n.children[0], s, neg ? VType::kNumber : VType::kBool,
                            neg ? "负号的运算对象" : "not的运算对象");
    if (a->type == VType::kError) {
      return a;
    }
    if (neg && a->op == Op::kConst) {
      return Const(VType::kNumber, -a->num);
    }
    CNode* r = New(neg ? Op::kNeg : Op::kNot, a->type);
    r->kids = {a};
    return r;
  }

  const CNode* BindBinary(const Node& n, const Scope& s) {
    const std::string& op = n.text;
    const Node& l = *n.children[0];
    const Node& r = *n.children[1];
    if (op == "and" || op == "or") {
      const CNode* a = Expect(l, s, VType::kBool, ("“" + op + "”的左边").c_str());
      const CNode* b = Expect(r, s, VType::kBool, ("“" + op + "”的右边").c_str());
      if (AnyError({a, b})) {
        return ErrorNode();
      }
      CNode* c = New(op == "and" ? Op::kAnd : Op::kOr, VType::kBool);
      c->kids = {a, b};
      return c;
    }
    if (op == "+" || op == "-" || op == "*" || op == "/") {
      const CNode* a = Expect(l, s, VType::kNumber, ("“" + op + "”的左边").c_str());
      const CNode* b = Expect(r, s, VType::kNumber, ("“" + op + "”的右边").c_str());
      if (AnyError({a, b})) {
        return ErrorNode();
      }
      Op o = op == "+" ? Op::kAdd : op == "-" ? Op::kSub : op == "*" ? Op::kMul : Op::kDiv;
      CNode* c = New(o, VType::kNumber);
      c->kids = {a, b};
      return c;
    }
    if (op == "in") {
      return BindIn(n, s);
    }
    const CNode* a = B(l, s);
    const CNode* b = B(r, s);
    if (AnyError({a, b})) {
      return ErrorNode();
    }
    if (a->type != b->type) {
      return Error(
          n, std::string("比较的两边类型不同：") + TypeName(a->type) + "与" + TypeName(b->type));
    }
    if (a->type == VType::kList) {
      return Error(n, "代码列表不能比较，请用count_selected()或in");
    }
    if (a->type == VType::kBool && op != "==" && op != "!=") {
      return Error(n, "逻辑值只能用“==”或“!=”比较");
    }
    CNode* c = New(Op::kCmp, VType::kBool);
    c->sub = op == "=="   ? kEq
             : op == "!=" ? kNe
             : op == "<"  ? kLt
             : op == "<=" ? kLe
             : op == ">"  ? kGt
                          : kGe;
    c->tol = a->type == VType::kNumber ? s.tol : 0;
    c->kids = {a, b};
    return c;
  }

  const CNode* BindIn(const Node& n, const Scope& s) {
    const CNode* a = B(*n.children[0], s);
    if (a->type != VType::kError && a->type != VType::kText && a->type != VType::kList) {
      return Error(n, std::string("“in”的左边应为文本或代码，实为") + TypeName(a->type));
    }
    const Node& r = *n.children[1];
    const CodeSet* set = nullptr;
    if (r.kind == NodeKind::kList) {
      std::vector<std::string> items;
      std::string key = "[";
      for (const auto& item : r.children) {
        if (item->kind != NodeKind::kString) {
          return Error(*item, "“in”右边的列表只能包含文本常量，如[\"1\", \"2\"]");
        }
        items.push_back(item->text);
        key += item->text;
        key += '\x1f';
      }
      set = InternSet(key, std::move(items));
    } else if (r.kind == NodeKind::kCall && r.text == "codes") {
      set = BindCodes(r);
      if (set == nullptr) {
        return ErrorNode();
      }
    } else {
      return Error(r, "“in”的右边应为列表[\"1\", \"2\"]或codes(\"代码表\")");
    }
    if (a->type == VType::kError) {
      return a;
    }
    CNode* c = New(Op::kIn, VType::kBool);
    c->set = set;
    c->kids = {a};
    return c;
  }

  const CodeSet* BindCodes(const Node& call) {
    if (call.children.empty() || call.children.size() > 2 ||
        std::any_of(call.children.begin(), call.children.end(),
                    [](const auto& c) { return c->kind != NodeKind::kString; })) {
      Error(call, "codes()的参数应为代码表编号和可选的层级，如codes(\"gbt4754\", \"xiao\")");
      return nullptr;
    }
    const std::string& id = call.children[0]->text;
    const CodeList* list = cat_.FindCodeList(id);
    if (list == nullptr) {
      Error(*call.children[0], "未知的代码表“" + id + "”");
      return nullptr;
    }
    std::string level = call.children.size() == 2 ? call.children[1]->text : "";
    std::vector<std::string> items;
    for (const auto& c : list->all()) {
      if (level.empty() || c.level == level) {
        items.push_back(c.code);
      }
    }
    if (!level.empty() && items.empty()) {
      Error(*call.children[1], "代码表“" + id + "”中没有层级“" + level + "”");
      return nullptr;
    }
    return InternSet("codes:" + id + "\x1f" + level, std::move(items));
  }

  bool Arity(const Node& n, size_t lo, size_t hi) {
    size_t k = n.children.size();
    if (k < lo || k > hi) {
      std::string want = lo == hi         ? std::to_string(lo)
                         : hi == SIZE_MAX ? "至少" + std::to_string(lo)
                                          : std::to_string(lo) + "到" + std::to_string(hi);
      Error(n, n.text + "()需要" + want + "个参数，实有" + std::to_string(k) + "个");
      return false;
    }
    return true;
  }

  static bool IsAggregateArg(const Node& a) {
    return (a.kind == NodeKind::kRef && a.star) ||
           (a.kind == NodeKind::kWhere && a.children[0]->kind == NodeKind::kRef);
  }

  const CNode* BindAggregate(const Node& n, const Scope& s, AggFn fn) {
    const Node& arg = *n.children[0];
    const Node& ref = arg.kind == NodeKind::kWhere ? *arg.children[0] : arg;
    int f = s.form, t = -1, c = -1;
    if (fn == kCountRows) {
      if (ref.kind != NodeKind::kRef || ref.star) {
        return Error(ref, "count_rows()的参数应为行表名，如count_rows(projects)");
      }
      // `A.t` names form A's table t here, `t` the own form's.
      if (!ref.form.empty()) {
        f = FormIndexByRef(ref.form);
        if (f < 0) {
          return Error(ref, "未知的表“" + ref.form + "”");
        }
      }
      auto it = prog_->layouts[f].table_index.find(ref.name);
      if (it == prog_->layouts[f].table_index.end()) {
        return Error(ref, "表" + RefName(f) + "中没有行表“" + ref.name + "”");
      }
      t = it->second;
      if (s.cells) {
        AddCell({(f == s.form ? "" : RefName(f) + ".") + ref.name, "", false});
      }
    } else {
      if (ref.kind != NodeKind::kRef || !ref.star) {
        return Error(ref, n.text + "()的参数应为行表的一列，如" + n.text + "(projects[*].expense)");
      }
      if (s.prev) {
        return Error(ref, "prev()中不能使用行表");
      }
      if (!ResolveColumn(ref, s, &f, &t, &c)) {
        return ErrorNode();
      }
      const auto& col = cat_.forms[f].row_tables[t].columns[c];
      if (fn != kCount && TypeOf(col.type) != VType::kNumber) {
        return Error(ref, n.text + "()只能用于数值列，“" + ref.RefText() + "”是" +
                              TypeName(TypeOf(col.type)));
      }
      if (s.cells) {
        AddCell({ColumnCellText(f, t, c, s), "", false});
      }
    }
    CNode* a = New(Op::kAgg, VType::kNumber);
    a->sub = fn;
    a->form = f;
    a->table = t;
    if (c >= 0) {
      const auto& sr = prog_->layouts[f].tables[t].columns[c];
      a->slot = sr.slot;
      a->slot_kind = sr.kind;
    }
    if (arg.kind == NodeKind::kWhere) {
      Scope inner = s;
      inner.agg_form = f;
      inner.agg_table = t;
      inner.tol = 0;
      inner.cells = false;
      const CNode* cond = Expect(*arg.children[1], inner, VType::kBool, "where条件");
      if (cond->type == VType::kError) {
        return cond;
      }
      a->kids = {cond};
    }
    return a;
  }

  const CNode* Simple(const Node& n, const Scope& s, Op op, VType result,
                      std::initializer_list<VType> args) {
    if (!Arity(n, args.size(), args.size())) {
      return ErrorNode();
    }
    std::vector<const CNode*> kids;
    size_t i = 0;
    for (VType t : args) {
      kids.push_back(Expect(*n.children[i], s, t,
                            (n.text + "()的第" + std::to_string(i + 1) + "个参数").c_str()));
      ++i;
    }
    if (AnyError(kids)) {
      return ErrorNode();
    }
    CNode* c = New(op, result);
    c->kids = std::move(kids);
    return c;
  }

  // Arguments that must all have one type (coalesce, min/max of numbers, if branches).
  bool SameTypeArgs(const Node& n, const Scope& s, size_t from, std::vector<const CNode*>* kids,
                    VType* type) {
    *type = VType::kError;
    bool ok = true;
    for (size_t i = from; i < n.children.size(); ++i) {
      const CNode* k = B(*n.children[i], s);
      kids->push_back(k);
      if (k->type == VType::kError) {
        ok = false;
        continue;
      }
      if (*type == VType::kError) {
        *type = k->type;
      } else if (k->type != *type) {
        Error(*n.children[i],
              n.text + "()的参数类型应一致：" + TypeName(*type) + "与" + TypeName(k->type));
        ok = false;
      }
    }
    return ok;
  }

  const CNode* BindCall(const Node& n, const Scope& s) {
    const std::string& f = n.text;
    for (const auto& c : n.children) {
      if (c->kind == NodeKind::kWhere && f != "sum" && f != "count" && f != "min" && f != "max" &&
          f != "avg" && f != "count_rows") {
        return Error(*c, "“where”只能用在聚合函数（sum、count、min、max、avg、count_rows）中");
      }
    }
    if (f == "prev") {
      if (!Arity(n, 1, 1)) {
        return ErrorNode();
      }
      const Node& a = *n.children[0];
      if (s.prev) {
        return Error(n, "prev()不能嵌套");
      }
      if (a.kind != NodeKind::kRef || a.star) {
        return Error(a, "prev()的参数应为一个固定指标，如prev(qc05_0)");
      }
      Scope p = s;
      p.prev = true;
      return BindRef(a, p);
    }
    if (f == "sum" || f == "count" || f == "avg" || f == "count_rows" ||
        ((f == "min" || f == "max") && n.children.size() == 1 && IsAggregateArg(*n.children[0]))) {
      if (!Arity(n, 1, 1)) {
        return ErrorNode();
      }
      AggFn fn = f == "sum"     ? kSum
                 : f == "count" ? kCount
                 : f == "avg"   ? kAvg
                 : f == "min"   ? kMin
                 : f == "max"   ? kMax
                                : kCountRows;
      return BindAggregate(n, s, fn);
    }
    if (f == "min" || f == "max") {
      if (!Arity(n, 1, SIZE_MAX)) {
        return ErrorNode();
      }
      std::vector<const CNode*> kids;
      VType t;
      if (!SameTypeArgs(n, s, 0, &kids, &t)) {
        return ErrorNode();
      }
      if (t != VType::kNumber) {
        return Error(n, f + "()的参数应为数值");
      }
      CNode* c = New(f == "min" ? Op::kMinN : Op::kMaxN, VType::kNumber);
      c->kids = std::move(kids);
      return c;
    }
    if (f == "abs") {
      return Simple(n, s, Op::kAbs, VType::kNumber, {VType::kNumber});
    }
    if (f == "round") {
      return Simple(n, s, Op::kRound, VType::kNumber, {VType::kNumber, VType::kNumber});
    }
    if (f == "approx") {
      return Simple(n, s, Op::kApprox, VType::kBool,
                    {VType::kNumber, VType::kNumber, VType::kNumber});
    }
    if (f == "len") {
      return Simple(n, s, Op::kLen, VType::kNumber, {VType::kText});
    }
    if (f == "count_selected") {
      return Simple(n, s, Op::kCountSelected, VType::kNumber, {VType::kList});
    }
    if (f == "starts_with") {
      return Simple(n, s, Op::kStartsWith, VType::kBool, {VType::kText, VType::kText});
    }
    if (f == "uscc") {
      return Simple(n, s, Op::kUscc, VType::kBool, {VType::kText});
    }
    if (f == "idcard") {
      return Simple(n, s, Op::kIdCard, VType::kBool, {VType::kText});
    }
    if (f == "date") {
      if (!Arity(n, 1, 1)) {
        return ErrorNode();
      }
      const Node& a = *n.children[0];
      if (a.kind != NodeKind::kString) {
        return Error(a, "date()的参数应为日期文本常量，如date(\"2024-12-31\")");
      }
      auto d = ParseDate(a.text);
      if (!d) {
        return Error(a, "日期“" + a.text + "”无效，应为YYYY-MM-DD");
      }
      return Const(VType::kDate, *d);
    }
    if (f == "year") {
      return Simple(n, s, Op::kYear, VType::kNumber, {VType::kDate});
    }
    if (f == "month") {
      return Simple(n, s, Op::kMonth, VType::kNumber, {VType::kDate});
    }
    if (f == "days_between") {
      return Simple(n, s, Op::kDaysBetween, VType::kNumber, {VType::kDate, VType::kDate});
    }
    if (f == "add_months") {
      return Simple(n, s, Op::kAddMonths, VType::kDate, {VType::kDate, VType::kNumber});
    }
    if (f == "period_start") {
      return Simple(n, s, Op::kPeriodStart, VType::kDate, {});
    }
    if (f == "period_end") {
      return Simple(n, s, Op::kPeriodEnd, VType::kDate, {});
    }
    if (f == "period_year") {
      return Simple(n, s, Op::kPeriodYear, VType::kNumber, {});
    }
    if (f == "row_number") {
      if (s.each_table < 0) {
        return Error(n, "row_number()只能用在for_each规则中");
      }
      return Simple(n, s, Op::kRowNumber, VType::kNumber, {});
    }
    if (f == "if") {
      if (!Arity(n, 3, 3)) {
        return ErrorNode();
      }
      const CNode* c = Expect(*n.children[0], s, VType::kBool, "if()的条件");
      std::vector<const CNode*> kids;
      VType t;
      if (!SameTypeArgs(n, s, 1, &kids, &t) || c->type == VType::kError) {
        return ErrorNode();
      }
      if (t == VType::kList) {
        return Error(n, "if()的结果不能是代码列表");
      }
      CNode* r = New(Op::kIf, t);
      r->kids = {c, kids[0], kids[1]};
      return r;
    }
    if (f == "is_missing") {
      if (!Arity(n, 1, 1)) {
        return ErrorNode();
      }
      const CNode* a = B(*n.children[0], s);
      if (a->type == VType::kError) {
        return a;
      }
      CNode* r = New(Op::kIsMissing, VType::kBool);
      r->kids = {a};
      return r;
    }
    if (f == "coalesce") {
      if (!Arity(n, 1, SIZE_MAX)) {
        return ErrorNode();
      }
      std::vector<const CNode*> kids;
      VType t;
      if (!SameTypeArgs(n, s, 0, &kids, &t)) {
        return ErrorNode();
      }
      CNode* r = New(Op::kCoalesce, t);
      r->kids = std::move(kids);
      return r;
    }
    if (f == "codes") {
      return Error(n, "codes()只能用在“in”的右边");
    }
    return Error(n, "未知的函数“" + f + "”");
  }

 public:
  // Errors found while binding a formula reached through a reference (cycles) go here.
  std::vector<BindError>* cycle_errors_ = nullptr;

 private:
  const Catalog& cat_;
  Program* prog_;
  const CompiledCatalog* previous_;
  std::vector<BindError>* errors_ = nullptr;
  std::vector<CellTemplate>* cells_ = nullptr;
  std::map<std::tuple<int, int, bool>, const CNode*> formula_cache_;
  std::vector<std::string> formula_stack_;
};

// Byte offset, within its line, of the 1-based code-point column `column` of line `line`.
int ByteColumn(std::string_view text, int line, int column) {
  size_t i = 0;
  for (int l = 1; l < line && i < text.size(); ++i) {
    l += text[i] == '\n';
  }
  size_t start = i;
  for (int c = 1; c < column && i < text.size() && text[i] != '\n'; ++c) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  return static_cast<int>(i - start);
}

// Points a problem into the expression: `src` is the position of its first character (columns
// in bytes, as the loader counts them); the message keeps the expression-relative position in
// characters. `src` with line 0 (unknown) falls back to `fallback` unadjusted.
Problem MakeProblem(const SourceRef& src, const SourceRef& fallback, std::string_view text,
                    const BindError& e, const std::string& what) {
  Problem p;
  if (src.line > 0) {
    p.source = src;
    int bytes = ByteColumn(text, e.line, e.column);
    if (e.line == 1) {
      p.source.column = src.column + bytes;
    } else {
      p.source.line = src.line + e.line - 1;
      p.source.column = bytes + 1;  // indentation of block scalars is not known here
    }
  } else {
    p.source = fallback;
  }
  p.message = what + "：第" + std::to_string(e.line) + "行第" + std::to_string(e.column) + "列：" +
              e.message;
  return p;
}

bool LooksLikeReference(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' ||
          c == ']' || c == '*')) {
      return false;
    }
  }
  return std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_';
}

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

}  // namespace

std::unique_ptr<Program> BuildProgram(const Catalog& cat, const CompiledCatalog* previous,
                                      std::vector<Problem>* problems) {
  auto prog = std::make_unique<Program>();
  for (const auto& f : cat.forms) {
    prog->layouts.push_back(MakeLayout(f));
  }
  prog->forms.resize(cat.forms.size());
  Binder binder(cat, prog.get(), previous);
  std::vector<BindError> cycle_errors;
  binder.cycle_errors_ = &cycle_errors;

  // Binds one expression; reports its errors (and cycles met on the way) as problems.
  auto bind = [&](const std::string& text, const Scope& scope, VType want, const SourceRef& src,
                  const SourceRef& fallback, const std::string& what,
                  std::vector<CellTemplate>* cells) -> const CNode* {
    std::vector<BindError> errs;
    cycle_errors.clear();
    const CNode* n = binder.Bind(text, scope, &errs, cells);
    errs.insert(errs.end(), cycle_errors.begin(), cycle_errors.end());
    if (n != nullptr && n->type != want && errs.empty()) {
      errs.push_back(
          {1, 1, std::string("结果应为") + TypeName(want) + "，实为" + TypeName(n->type)});
    }
    for (const auto& e : errs) {
      problems->push_back(MakeProblem(src, fallback, text, e, what));
    }
    return errs.empty() ? n : nullptr;
  };

  for (size_t fi = 0; fi < cat.forms.size(); ++fi) {
    const Form& form = cat.forms[fi];
    const std::string& fref = form.ref_name;
    FormProgram& fp = prog->forms[fi];
    Scope base;
    base.form = static_cast<int>(fi);

    if (!form.signed_scan_when.empty()) {
      fp.scan_condition =
          bind(form.signed_scan_when, base, VType::kBool, form.signed_scan_when_source, form.source,
               "表" + fref + "的signed_scan条件", nullptr);
    }

    // Visibility gates: per section title and per row table.
    std::map<std::string, const CNode*> section_gate;
    for (const auto& sec : form.sections) {
      if (!sec.visible_when.empty()) {
        section_gate[sec.title] =
            bind(sec.visible_when, base, VType::kBool, sec.visible_when_source, form.source,
                 "表" + fref + "的栏目“" + sec.title + "”的visible_when", nullptr);
      }
    }
    std::vector<const CNode*> table_gate(form.row_tables.size(), nullptr);
    for (size_t t = 0; t < form.row_tables.size(); ++t) {
      const auto& rt = form.row_tables[t];
      if (!rt.visible_when.empty()) {
        table_gate[t] = bind(rt.visible_when, base, VType::kBool, rt.visible_when_source, rt.source,
                             "行表" + fref + "." + rt.code + "的visible_when", nullptr);
      }
    }

    // Built-in checks are generated as rule text and compiled like rules.
    auto add_check = [&](std::string id, std::string message, const std::string& expr,
                         const std::string& when, const CNode* gate, int each_table,
                         CellTemplate cell) {
      std::vector<BindError> errs;
      Scope s = base;
      s.each_table = each_table;
      CRule r;
      r.id = std::move(id);
      r.severity = catalog::Severity::kError;
      r.expr = binder.Bind(expr, s, &errs, nullptr);
      if (!when.empty()) {
        r.when = binder.Bind(when, s, &errs, nullptr);
      }
      if (r.expr == nullptr || (!when.empty() && r.when == nullptr)) {
        return;  // the indicator's own expressions were reported already
      }
      r.gate = gate;
      r.each_table = each_table;
      r.cells.push_back(std::move(cell));
      r.message.push_back({std::move(message), nullptr});
      fp.rules.push_back(std::move(r));
    };

    for (size_t i = 0; i < form.indicators.size(); ++i) {
      const auto& ind = form.indicators[i];
      const CNode* gate = nullptr;
      if (auto it = section_gate.find(ind.section); it != section_gate.end()) {
        gate = it->second;
      }
      std::string what = "指标" + fref + "." + ind.code;
      if (!ind.formula.empty()) {
        bind(ind.formula, base, TypeOf(ind.type), ind.formula_source, ind.source,
             what + "的formula", nullptr);
        continue;  // derived: computed, never entered
      }
      std::string prefix = fref + "." + ind.code;
      CellTemplate cell{ind.code, "", false};
      std::string label = "“" + ind.name + "”";
      if (!ind.required_when.empty()) {
        if (bind(ind.required_when, base, VType::kBool, ind.required_when_source, ind.source,
                 what + "的required_when", nullptr) != nullptr) {
          add_check(prefix + ".required", label + "为必填项", "not is_missing(" + ind.code + ")",
                    ind.required_when, gate, -1, cell);
        }
      } else if (ind.required) {
        add_check(prefix + ".required", label + "为必填项", "not is_missing(" + ind.code + ")", "",
                  gate, -1, cell);
      }
      if (ind.type.IsNumber()) {
        std::optional<double> lo = ind.min;
        if (!ind.negative_allowed && (!lo || *lo < 0)) {
          lo = 0.0;
        }
        std::string expr, msg;
        if (lo) {
          expr = ind.code + " >= " + FormatNumber(*lo);
        }
        if (ind.max) {
          expr += (expr.empty() ? "" : " and ") + ind.code + " <= " + FormatNumber(*ind.max);
        }
        if (lo && ind.max) {
          msg = label + "应在" + FormatNumber(*lo) + "至" + FormatNumber(*ind.max) + "之间";
        } else if (ind.max) {
          msg = label + "应不大于" + FormatNumber(*ind.max);
        } else if (lo && *lo == 0 && !ind.min) {
          msg = label + "不能为负数";
        } else if (lo) {
          msg = label + "应不小于" + FormatNumber(*lo);
        }
        if (!expr.empty()) {
          add_check(prefix + ".range", msg, expr, "", gate, -1, cell);
        }
      }
      if (ind.type.kind == ValueType::kText && ind.type.max_chars > 0) {
        add_check(prefix + ".length", label + "最多" + std::to_string(ind.type.max_chars) + "个字",
                  "len(" + ind.code + ") <= " + std::to_string(ind.type.max_chars), "", gate, -1,
                  cell);
      }
      if (ind.type.kind == ValueType::kMultiCode && ind.type.max_selected > 0) {
        add_check(prefix + ".selections",
                  label + "最多选择" + std::to_string(ind.type.max_selected) + "项",
                  "count_selected(" + ind.code + ") <= " + std::to_string(ind.type.max_selected),
                  "", gate, -1, cell);
      }
      if ((ind.type.kind == ValueType::kCode || ind.type.kind == ValueType::kMultiCode) &&
          !ind.type.code_list.empty()) {
        if (cat.FindCodeList(ind.type.code_list) == nullptr) {
          problems->push_back({ind.source, what + "：未知的代码表“" + ind.type.code_list + "”"});
        } else {
          add_check(prefix + ".code", label + "的代码不在代码表中",
                    ind.code + " in codes(\"" + ind.type.code_list + "\")", "", gate, -1, cell);
        }
      }
    }

    for (size_t t = 0; t < form.row_tables.size(); ++t) {
      const auto& rt = form.row_tables[t];
      int ti = static_cast<int>(t);
      std::string tprefix = fref + "." + rt.code;
      if (rt.min_rows > 0 || rt.max_rows >= 0) {
        std::string expr = "count_rows(" + rt.code + ") >= " + std::to_string(rt.min_rows) +
                           " and count_rows(" + rt.code + ") <= " + std::to_string(rt.max_rows);
        add_check(tprefix + ".rows",
                  "“" + rt.title + "”应填写" + std::to_string(rt.min_rows) + "至" +
                      std::to_string(rt.max_rows) + "行",
                  expr, "", table_gate[t], -1, CellTemplate{rt.code, "", false});
      }
      for (const auto& col : rt.columns) {
        std::string cprefix = tprefix + "." + col.code;
        CellTemplate cell{rt.code + "[", "]." + col.code, true};
        auto add_row_check = [&](const std::string& id, const std::string& msg_tail,
                                 const std::string& expr) {
          add_check(id, "", expr, "", table_gate[t], ti, cell);
          if (!fp.rules.empty() && fp.rules.back().id == id) {
            // Message with the row number: a literal, the row, a literal.
            auto& m = fp.rules.back().message;
            m.clear();
            std::vector<BindError> errs;
            Scope s = base;
            s.each_table = ti;
            m.push_back({"“" + rt.title + "”第", nullptr});
            m.push_back({"", binder.Bind("row_number()", s, &errs, nullptr)});
            m.push_back({"行的“" + col.name + "”" + msg_tail, nullptr});
          }
        };
        if (col.required) {
          add_row_check(cprefix + ".required", "为必填项", "not is_missing(" + col.code + ")");
        }
        if (col.type.kind == ValueType::kText && col.type.max_chars > 0) {
          add_row_check(cprefix + ".length", "最多" + std::to_string(col.type.max_chars) + "个字",
                        "len(" + col.code + ") <= " + std::to_string(col.type.max_chars));
        }
        if ((col.type.kind == ValueType::kCode || col.type.kind == ValueType::kMultiCode) &&
            !col.type.code_list.empty()) {
          if (cat.FindCodeList(col.type.code_list) == nullptr) {
            problems->push_back(
                {col.source, "列" + cprefix + "：未知的代码表“" + col.type.code_list + "”"});
          } else {
            add_row_check(cprefix + ".code", "的代码不在代码表中",
                          col.code + " in codes(\"" + col.type.code_list + "\")");
          }
        }
      }
    }

    for (const auto& rule : form.rules) {
      std::string what = "规则" + rule.id;
      Scope s = base;
      s.cells = rule.cells.empty();
      CRule r;
      r.id = rule.id;
      r.severity = rule.severity;
      bool ok = true;
      if (!rule.for_each.empty()) {
        const catalog::RowTable* rt = form.FindRowTable(rule.for_each);
        if (rt == nullptr) {
          problems->push_back(
              {rule.source, what + "：for_each的行表“" + rule.for_each + "”不存在"});
          ok = false;
        } else {
          s.each_table = static_cast<int>(rt - form.row_tables.data());
          r.each_table = s.each_table;
          r.gate = table_gate[s.each_table];
        }
      }
      if (rule.tolerance && !(*rule.tolerance >= 0)) {
        problems->push_back({rule.source, what + "：tolerance不能为负数"});
        ok = false;
      }
      if (!ok) {
        continue;
      }
      Scope se = s;
      se.tol = rule.tolerance.value_or(0);
      if (rule.expr.empty()) {
        problems->push_back({rule.source, what + "：缺少expr"});
        continue;
      }
      r.expr = bind(rule.expr, se, VType::kBool, rule.source, rule.source, what, &r.cells);
      if (!rule.when.empty()) {
        r.when = bind(rule.when, s, VType::kBool, rule.when_source, rule.source, what + "的when",
                      &r.cells);
        ok = r.when != nullptr;
      }
      ok = ok && r.expr != nullptr;
      if (!rule.cells.empty()) {
        Scope sc = s;
        for (const auto& c : rule.cells) {
          std::vector<BindError> errs;
          if (!binder.BindCell(c, sc, &errs, &r.cells)) {
            for (const auto& e : errs) {
              problems->push_back({rule.source, what + "的cells：" + e.message});
            }
            ok = false;
          }
        }
      }
      // Message: `{expression}` placeholders are bound like the rule's references.
      const std::string& msg = rule.message;
      size_t pos = 0;
      std::string literal;
      while (pos < msg.size()) {
        size_t open = msg.find('{', pos);
        size_t close = open == std::string::npos ? std::string::npos : msg.find('}', open);
        if (close == std::string::npos) {
          literal += msg.substr(pos);
          break;
        }
        literal += msg.substr(pos, open - pos);
        std::string inner = msg.substr(open + 1, close - open - 1);
        std::vector<BindError> errs;
        Scope sm = s;
        sm.cells = false;
        const CNode* v = binder.Bind(inner, sm, &errs, nullptr);
        if (v != nullptr) {
          r.message.push_back({literal, nullptr});
          r.message.push_back({"", v});
          literal.clear();
        } else {
          if (LooksLikeReference(inner)) {
            for (const auto& e : errs) {
              problems->push_back(
                  {rule.source, what + "的message占位符{" + inner + "}：" + e.message});
            }
            ok = false;
          }
          literal += "{" + inner + "}";
        }
        pos = close + 1;
      }
      r.message.push_back({literal, nullptr});
      if (ok) {
        fp.rules.push_back(std::move(r));
      }
    }
  }
  return prog;
}

}  // namespace huoju::rules
