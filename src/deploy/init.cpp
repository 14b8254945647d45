// `skyql deploy init`: a starter stack that builds, tests and tears down as written.
#include <filesystem>
#include <fstream>

#include "deploy/deploy.h"

namespace skyql::deploy {
namespace {

constexpr const char* kManifest = R"(# stack manifest: see docs/DEPLOY.md
version: 1
name: "%NAME%"
description: starter stack for %NAME%
providers:
  - awscc
globals:
  - name: region
    description: aws region
    value: "{{ AWS_REGION | default('us-east-1') }}"
  - name: global_tags
    value:
      - Key: stack-name
        Value: "{{ stack_name }}"
      - Key: stack-env
        Value: "{{ stack_env }}"
resources:
  - name: example_log_group
    description: a CloudWatch Logs log group
    props:
      - name: log_group_name
        value: "{{ stack_name }}-{{ stack_env }}-logs"
      - name: retention_in_days
        values:
          prd:
            value: 90
          dev:
            value: 7
          sit:
            value: 14
      - name: tags
        value:
          - Key: Name
            Value: "{{ stack_name }}-{{ stack_env }}-logs"
        merge:
          - global_tags
    exports:
      - log_group_arn
exports:
  - log_group_arn
)";

constexpr const char* kIql = R"(/*+ exists */
SELECT COUNT(*) AS count
FROM awscc.logs.log_groups
WHERE region = '{{ region }}'
AND data__Identifier = '{{ log_group_name }}';

/*+ create */
INSERT INTO awscc.logs.log_groups (
 LogGroupName,
 RetentionInDays,
 Tags,
 region
)
SELECT
 '{{ log_group_name }}',
 {{ retention_in_days }},
 '{{ tags }}',
 '{{ region }}';

/*+ statecheck, retries=3, retry_delay=2 */
SELECT COUNT(*) AS count
FROM awscc.logs.log_groups
WHERE region = '{{ region }}'
AND data__Identifier = '{{ log_group_name }}'
AND retention_in_days = {{ retention_in_days }};

/*+ update */
UPDATE awscc.logs.log_groups
SET data__PatchDocument = '{{ { "RetentionInDays": retention_in_days, "Tags": tags } | generate_patch_document }}'
WHERE region = '{{ region }}'
AND data__Identifier = '{{ log_group_name }}';

/*+ exports */
SELECT arn AS log_group_arn
FROM awscc.logs.log_groups
WHERE region = '{{ region }}'
AND data__Identifier = '{{ log_group_name }}';

/*+ delete */
DELETE FROM awscc.logs.log_groups
WHERE data__Identifier = '{{ log_group_name }}'
AND region = '{{ region }}';
)";

constexpr const char* kReadme = R"(# %NAME%

A stack for `skyql deploy` (stackql-deploy compatible).

```sh
skyql deploy plan %NAME% dev        # what would change
skyql deploy build %NAME% dev       # create or update
skyql deploy test %NAME% dev        # check the desired state
skyql deploy teardown %NAME% dev    # delete, newest first
```

`stackql_manifest.yml` lists globals and resources; each resource's statements live in
`resources/<resource name>.iql` under anchors such as `/*+ exists */`, `/*+ create */`, `/*+ statecheck */`,
`/*+ update */`, `/*+ exports */` and `/*+ delete */`.
)";

std::string fill(std::string text, const std::string& name) {
  for (size_t pos; (pos = text.find("%NAME%")) != std::string::npos;) text.replace(pos, 6, name);
  return text;
}

}  // namespace

void init_stack(const std::string& name, const std::string& provider) {
  if (provider != "aws" && provider != "awscc")
    throw InputError("provider '" + provider + "' has no starter stack; use --provider aws");
  namespace fs = std::filesystem;
  if (fs::exists(name)) throw InputError(name + ": already exists — choose a new stack directory name");
  fs::create_directories(fs::path(name) / "resources");
  std::string base = fs::path(name).filename().string();
  std::ofstream(fs::path(name) / "stackql_manifest.yml") << fill(kManifest, base);
  std::ofstream(fs::path(name) / "resources" / "example_log_group.iql") << kIql;
  std::ofstream(fs::path(name) / "README.md") << fill(kReadme, base);
}

}  // namespace skyql::deploy
