// The Renderer seam over template/'s Jinja2 engine.
#include "deploy/deploy.h"
#include "template/template.h"

namespace skyql::deploy {
namespace {

class JinjaRenderer : public Renderer {
 public:
  explicit JinjaRenderer(bool strict) : env_(templating::Options{strict}) {}

  std::string render(const std::string& source, const Json& context, const std::string& where) override {
    try {
      return env_.render(source, context, where);
    } catch (const templating::TemplateError& e) {
      throw InputError(e.what());
    }
  }

  bool truthy(const std::string& expression, const Json& context, const std::string& where) override {
    try {
      return env_.is_true(expression, context, where);
    } catch (const templating::TemplateError& e) {
      throw InputError(e.what());
    }
  }

 private:
  templating::Environment env_;
};

}  // namespace

std::unique_ptr<Renderer> make_jinja_renderer(bool strict) { return std::make_unique<JinjaRenderer>(strict); }

}  // namespace skyql::deploy
