#include "provider/naming.h"

#include <array>
#include <cctype>
#include <regex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace skyql::provider {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Acronyms StackQL rewrites before snake-casing a property, applied in this order (each to every
// occurrence). Without them "OAuthParameters" would become "o_auth_parameters".
constexpr std::array<std::pair<std::string_view, std::string_view>, 37> kAcronyms{{
    {"DB", "Db"},     {"ARN", "Arn"}, {"WAN", "Wan"}, {"URL", "Url"},     {"VPC", "Vpc"},
    {"DHCP", "Dhcp"}, {"DNS", "Dns"}, {"IP", "Ip"},   {"IAM", "Iam"},     {"IPAM", "Ipam"},
    {"TLS", "Tls"},   {"SSM", "Ssm"}, {"CNAME", "Cname"}, {"SQ", "Sq"},   {"ML", "Ml"},
    {"SKU", "Sku"},   {"KMS", "Kms"}, {"OK", "Ok"},   {"CA", "Ca"},       {"ID", "Id"},
    {"TTL", "Ttl"},   {"URI", "Uri"}, {"LB", "Lb"},   {"SNS", "Sns"},     {"AWS", "Aws"},
    {"ACL", "Acl"},   {"AZ", "Az"},   {"API", "Api"}, {"MSK", "Msk"},     {"ECS", "Ecs"},
    {"EBS", "Ebs"},   {"CWE", "Cwe"}, {"SSE", "Sse"}, {"HPO", "Hpo"},     {"LF", "Lf"},
    {"WAL", "Wal"},   {"OAuth", "Oauth"},
}};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

struct Rule {
  std::regex pattern;
  std::string replacement;  // $0 = whole match, $1.. = groups (unmatched groups are empty)
};

Rule rule(const char* pattern, const char* replacement) {
  return {std::regex(pattern, std::regex::ECMAScript | std::regex::icase), replacement};
}

// The rules of the `pluralize` package StackQL names its tables with, lowest priority first;
// the last rule that matches wins.
const std::vector<Rule>& plural_rules() {
  static const std::vector<Rule> rules = {
      rule("s?$", "s"),
      rule("([^aeiou]ese)$", "$1"),
      rule("(ax|test)is$", "$1es"),
      rule("(alias|[^aou]us|t[lm]as|gas|ris)$", "$1es"),
      rule("(e[mn]u)s?$", "$1s"),
      rule("([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", "$1"),
      rule("(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$",
           "$1i"),
      rule("(alumn|alg|vertebr)(?:a|ae)$", "$1ae"),
      rule("(seraph|cherub)(?:im)?$", "$1im"),
      rule("(her|at|gr)o$", "$1oes"),
      rule("(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|"
           "curricul|automat|quor)(?:a|um)$",
           "$1a"),
      rule("(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)"
           "(?:a|on)$",
           "$1a"),
      rule("sis$", "ses"),
      rule("(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$", "$1$2ves"),
      rule("([^aeiouy]|qu)y$", "$1ies"),
      rule("([^ch][ieo][ln])ey$", "$1ies"),
      rule("(x|ch|ss|sh|zz)$", "$1es"),
      rule("(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$", "$1ices"),
      rule("\\b((?:tit)?m|l)(?:ice|ouse)$", "$1ice"),
      rule("(pe)(?:rson|ople)$", "$1ople"),
      rule("(child)(?:ren)?$", "$1ren"),
      rule("eaux$", "$0"),
      rule("m[ae]n$", "men"),
      rule("^thou$", "you"),
      // Uncountable endings.
      rule("pok[e\xc3\xa9]mon$", "$0"),
      rule("[^aeiou]ese$", "$0"),
      rule("deer$", "$0"),
      rule("fish$", "$0"),
      rule("measles$", "$0"),
      rule("o[iu]s$", "$0"),
      rule("pox$", "$0"),
      rule("sheep$", "$0"),
  };
  return rules;
}

// Whole-word irregulars. `pluralize` says schema -> schemata, but StackQL's tables say
// awscc.glue.schemas, so StackQL's own choice wins.
const std::unordered_map<std::string, std::string>& irregulars() {
  static const std::unordered_map<std::string, std::string> m = {
      {"i", "we"},           {"me", "us"},          {"he", "they"},        {"she", "they"},
      {"is", "are"},         {"was", "were"},       {"has", "have"},       {"this", "these"},
      {"that", "those"},     {"echo", "echoes"},    {"dingo", "dingoes"},  {"volcano", "volcanoes"},
      {"tornado", "tornadoes"}, {"torpedo", "torpedoes"}, {"genus", "genera"}, {"viscus", "viscera"},
      {"stigma", "stigmata"}, {"stoma", "stomata"}, {"dogma", "dogmata"},  {"lemma", "lemmata"},
      {"anathema", "anathemata"}, {"ox", "oxen"},   {"axe", "axes"},       {"die", "dice"},
      {"yes", "yeses"},      {"foot", "feet"},      {"eave", "eaves"},     {"goose", "geese"},
      {"tooth", "teeth"},    {"quiz", "quizzes"},   {"human", "humans"},   {"proof", "proofs"},
      {"carve", "carves"},   {"valve", "valves"},   {"looey", "looies"},   {"thief", "thieves"},
      {"groove", "grooves"}, {"pickaxe", "pickaxes"}, {"passerby", "passersby"},
  };
  return m;
}

const std::unordered_set<std::string>& uncountables() {
  static const std::unordered_set<std::string> s = {
      "adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics", "anime",
      "athletics", "audio", "bison", "blood", "bream", "buffalo", "butter", "carp", "cash", "chassis",
      "chess", "clothing", "cod", "commerce", "cooperation", "corps", "debris", "diabetes",
      "digestion", "elk", "energy", "equipment", "excretion", "expertise", "firmware", "flounder",
      "fun", "gallows", "garbage", "graffiti", "hardware", "headquarters", "health", "herpes",
      "highjinks", "homework", "housework", "information", "jeans", "justice", "kudos", "labour",
      "literature", "machinery", "mackerel", "mail", "media", "mews", "moose", "music", "mud",
      "manga", "news", "only", "personnel", "pike", "plankton", "pliers", "police", "pollution",
      "premises", "rain", "research", "rice", "salmon", "scissors", "series", "sewage", "shambles",
      "shrimp", "software", "staff", "swine", "tennis", "traffic", "transportation", "trout", "tuna",
      "wealth", "welfare", "whiting", "wildebeest", "wildlife", "you",
  };
  return s;
}

std::string apply(const Rule& r, const std::string& word, const std::smatch& m) {
  std::string rep;
  for (size_t i = 0; i < r.replacement.size(); ++i) {
    char c = r.replacement[i];
    if (c == '$' && i + 1 < r.replacement.size() && std::isdigit(static_cast<unsigned char>(r.replacement[i + 1]))) {
      size_t g = static_cast<size_t>(r.replacement[++i] - '0');
      if (g < m.size() && m[g].matched) rep += m[g].str();
    } else {
      rep += c;
    }
  }
  return word.substr(0, static_cast<size_t>(m.position(0))) + rep +
         word.substr(static_cast<size_t>(m.position(0) + m.length(0)));
}

}  // namespace

std::string column_name(std::string_view property) {
  std::string s(property);
  for (const auto& [from, to] : kAcronyms) replace_all(s, from, to);
  // Insert '_' before a capital that follows any word character, scanning pairs without overlap
  // (so a leftover run like "EC2" gives "e_c2", exactly as StackQL names it).
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && is_word(s[i]) && is_upper(s[i + 1])) {
      out += s[i];
      out += '_';
      out += s[i + 1];
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return lower(out);
}

std::string resource_snake_case(std::string_view type_last_part) {
  std::string s(type_last_part);
  // 1) "ABCDef" -> "abc_def": a capital run followed by a capitalised word is split before the word,
  //    and both are lowercased (so "TableVPCAssociation" gives "Tablevpc_association", as StackQL).
  std::string step1;
  size_t i = 0;
  while (i < s.size()) {
    if (is_upper(s[i])) {
      size_t j = i;
      while (j < s.size() && is_upper(s[j])) ++j;
      // run [i, j); need at least two capitals and a lowercase after the run.
      if (j - i >= 2 && j < s.size() && is_lower(s[j])) {
        step1 += lower(s.substr(i, j - 1 - i));
        step1 += '_';
        step1 += static_cast<char>(std::tolower(static_cast<unsigned char>(s[j - 1])));
        step1 += s[j];
        i = j + 1;
        continue;
      }
      step1.append(s, i, j - i);
      i = j;
      continue;
    }
    step1 += s[i++];
  }
  // 2) lowercase letter then capital -> split (digits do not split: "EC2Fleet" -> "ec2fleet").
  std::string step2;
  for (size_t k = 0; k < step1.size(); ++k) {
    step2 += step1[k];
    if (k + 1 < step1.size() && is_lower(step1[k]) && is_upper(step1[k + 1])) step2 += '_';
  }
  std::string out;
  for (char c : lower(step2)) {
    if (c == '_' && !out.empty() && out.back() == '_') continue;
    out += c;
  }
  return out;
}

std::string pluralize(std::string_view word_in) {
  std::string word = lower(word_in);
  if (word.empty()) return word;
  if (word == "schema") return "schemas";
  for (const auto& [single, plural] : irregulars()) {
    if (word == plural) return word;
  }
  if (auto it = irregulars().find(word); it != irregulars().end()) return it->second;
  if (uncountables().count(word)) return word;
  const auto& rules = plural_rules();
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    std::smatch m;
    if (std::regex_search(word, m, it->pattern)) return apply(*it, word, m);
  }
  return word;
}

std::string resource_name(std::string_view type_name) {
  auto pos = type_name.rfind("::");
  std::string_view last = pos == std::string_view::npos ? type_name : type_name.substr(pos + 2);
  return pluralize(resource_snake_case(last));
}

std::string service_name(std::string_view file_name) {
  auto first = file_name.find('-');
  if (first == std::string_view::npos) return "";
  auto second = file_name.find_first_of("-.", first + 1);
  return lower(file_name.substr(first + 1, second == std::string_view::npos ? std::string_view::npos
                                                                           : second - first - 1));
}

}  // namespace skyql::provider
