#include "output/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace skyql::output {
namespace {

ResultSet sample() {
  return {{"name", "n", "x"},
          {{Cell::string("a,b"), Cell::integer(42), Cell::null()},
           {Cell::string("say \"hi\""), Cell::integer(-1), Cell::real(1.5)}}};
}

std::string render(const ResultSet& rs, Format f, bool headers = true, std::optional<int> width = std::nullopt) {
  std::ostringstream out;
  write(out, rs, {f, headers, width});
  return out.str();
}

TEST(Output, JsonIsArrayOfObjectsWithTypedValues) {
  EXPECT_EQ(render(sample(), Format::Json),
            "[{\"name\":\"a,b\",\"n\":42,\"x\":null},{\"name\":\"say \\\"hi\\\"\",\"n\":-1,\"x\":1.5}]\n");
  EXPECT_EQ(render({{"a"}, {}}, Format::Json), "[]\n");
}

TEST(Output, CsvQuotesPerRfc4180) {
  EXPECT_EQ(render(sample(), Format::Csv), "name,n,x\r\n\"a,b\",42,\r\n\"say \"\"hi\"\"\",-1,1.5\r\n");
  EXPECT_EQ(render(sample(), Format::Csv, false), "\"a,b\",42,\r\n\"say \"\"hi\"\"\",-1,1.5\r\n");
}

TEST(Output, TextIsTabSeparated) {
  EXPECT_EQ(render(sample(), Format::Text), "name\tn\tx\na,b\t42\tnull\nsay \"hi\"\t-1\t1.5\n");
  EXPECT_EQ(render(sample(), Format::Text, false), "a,b\t42\tnull\nsay \"hi\"\t-1\t1.5\n");
}

TEST(Output, TableIsAligned) {
  EXPECT_EQ(render(sample(), Format::Table),
            "|----------|----|------|\n"
            "|   name   | n  |  x   |\n"
            "|----------|----|------|\n"
            "| a,b      | 42 | null |\n"
            "| say \"hi\" | -1 | 1.5  |\n"
            "|----------|----|------|\n");
  EXPECT_EQ(render(sample(), Format::Table, false),
            "|----------|----|------|\n"
            "| a,b      | 42 | null |\n"
            "| say \"hi\" | -1 | 1.5  |\n"
            "|----------|----|------|\n");
}

TEST(Output, TableTruncatesToWidthAndCountsUtf8) {
  ResultSet rs{{"k"}, {{Cell::string("ééééééééééééééééééééé")}}};
  auto out = render(rs, Format::Table, true, 12);
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, 12u) << line;
  }
  EXPECT_NE(out.find("..."), std::string::npos);
}

TEST(Output, ParseFormat) {
  EXPECT_EQ(parse_format("json"), Format::Json);
  EXPECT_EQ(parse_format("csv"), Format::Csv);
  EXPECT_THROW(parse_format("xml"), std::invalid_argument);
  EXPECT_EQ(Cell::real(0.1).text, "0.1");
}

}  // namespace
}  // namespace skyql::output
