// Renders every case of a template corpus (JSON list of {name, template, context, strict?}) with skyql's
// engine and prints {name: {"ok": true, "out": ...} | {"ok": false, "error": ..., "message": ...}} —
// the same shape jinja_ref.py prints, so differential.py can compare the two.
#include <fstream>
#include <iostream>
#include <sstream>

#include "template/template.h"

namespace tpl = skyql::templating;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: template_render CORPUS.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "template_render: cannot open " << argv[1] << "\n";
    return 2;
  }
  tpl::Json corpus = tpl::Json::parse(in);
  tpl::Environment lenient;
  tpl::Environment strict(tpl::Options{.strict = true});
  tpl::Json results = tpl::Json::object();
  for (const auto& c : corpus) {
    const std::string name = c.at("name").get<std::string>();
    const auto& env = c.value("strict", false) ? strict : lenient;
    tpl::Json context = c.contains("context") ? c.at("context") : tpl::Json::object();
    try {
      results[name] = {{"ok", true}, {"out", env.render(c.at("template").get<std::string>(), context, name)}};
    } catch (const tpl::TemplateError& e) {
      results[name] = {{"ok", false}, {"error", "TemplateError"}, {"message", e.message()}, {"line", e.line()}};
    }
  }
  std::cout << results.dump(1) << "\n";
  return 0;
}
