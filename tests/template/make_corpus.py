#!/usr/bin/env python3
"""Writes corpus.json, the template differential corpus (committed; rerun after editing the cases)."""
import json
import os

SEED_CTX = {
    "description": "events connection", "authorization_type": "API_KEY", "kms_key_identifier": "",
    "region": "us-east-1", "Name": "conn-1",
    "AuthParameters": '{"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"}}',
}
CTX = {
    "s": "Hello World", "n": 42, "f": 3.5, "neg": -7, "t": True, "no": False, "nil": None, "zero": 0,
    "empty": "", "lst": [3, 1, 2], "words": ["b", "A", "a", "c"], "d": {"b": 1, "a": 2, "c": {"x": [1, 2]}},
    "nested": {"outer": {"inner": "deep"}, "list": [{"k": "v1"}, {"k": "v2"}]},
    "tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "core"}],
    "json_s": '{"b": 1, "a": [1, 2, {"z": null}]}', "json_l": '["a", "b"]', "quote": "it's",
    "uni": "café ☕", "big": 12345678901234, "fl": 0.1, "items": [1, 2, 3, 4, 5], "num_s": "17",
    "float_s": "2.75", "bad_s": "abc", "ws": "  padded  ", "multi": "line1\nline2", "tabs": "a\tb",
    "users": [{"name": "ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "cy", "age": 40}],
}

cases = []


def add(group, template, context=None, strict=False):
    name = f"{group}_{sum(1 for c in cases if c['name'].startswith(group + '_')) + 1:03d}"
    case = {"name": name, "template": template, "context": CTX if context is None else context}
    if strict:
        case["strict"] = True
    cases.append(case)


# Output of plain values: Python str() of each type.
for t in ["{{ s }}", "{{ n }}", "{{ f }}", "{{ t }}", "{{ no }}", "{{ nil }}", "{{ lst }}", "{{ d }}",
          "{{ nested }}", "{{ tags }}", "{{ big }}", "{{ fl }}", "{{ uni }}", "{{ [uni, quote] }}",
          "{{ {'q': quote, 'u': uni} }}", "{{ multi }}", "{{ [multi, tabs] }}", "{{ ['a\"b'] }}",
          "{{ [\"it's \\\"x\\\"\"] }}", "{{ 1.0 }}", "{{ 1e16 }}", "{{ 1e15 }}", "{{ 0.00001 }}",
          "{{ 0.0001 }}", "{{ 123456789.123 }}", "{{ 1/3 }}", "{{ 2/3 }}", "{{ -0.0 }}", "{{ 1e100 }}",
          "{{ 1.5e-7 }}", "{{ 100.0 }}", "{{ (1,) }}", "{{ (1, 'a') }}", "{{ () }}", "{{ [] }}", "{{ {} }}",
          "{{ [none, true, false] }}", "{{ {'a': [1, {'b': none}]} }}", "{{ 1_000 }}", "{{ 0.1 + 0.2 }}",
          "{{ ['\\x01\\x7f'] }}", "{{ ['é', '\\u00a0', '\\u2028'] }}", "{{ ['back\\\\slash'] }}"]:
    add("print", t)

# Whitespace control, comments, raw, trailing newline handling, newline normalisation.
for t in ["a  {{- s -}}  b", "a\n{%- if t %}\nyes\n{%- endif %}\nb", "a\n{% if t -%}\n  yes\n{% endif -%}\nb",
          "x {# comment #} y", "x {#- comment -#} y", "line\n", "line\n\n", "a\r\nb\r\n", "{{ s }}\n",
          "{% raw %}{{ not rendered }}{% endraw %}", "{%- raw -%}  {{ x }}  {%- endraw -%}",
          "  {% if t %}yes{% endif %}  \n", "{% for i in lst %}\n{{ i }}\n{% endfor %}\n",
          "{% for i in lst -%}\n{{ i }}\n{%- endfor %}", "<{{- ' a ' -}}>", "{{ s }}{# trailing #}\n",
          "{%+ if t %}k{% endif %}", "text with { and } and {x}", "{{ '{{' }} and {{ '}}' }}",
          "{{ {'a': {'b': 1}} }}", "a\n{#- c #}\nb", "{% if t %}\n\n{% endif %}"]:
    add("ws", t)

# Expressions: arithmetic, comparisons, logic, membership, concatenation, conditional expressions.
for t in ["{{ 1 + 2 * 3 }}", "{{ (1 + 2) * 3 }}", "{{ 7 / 2 }}", "{{ 6 / 2 }}", "{{ 7 // 2 }}", "{{ -7 // 2 }}",
          "{{ -7 % 3 }}", "{{ 7 % -3 }}", "{{ 7.5 % 2 }}", "{{ 2 ** 10 }}", "{{ 2 ** -1 }}", "{{ 2 ** 0.5 }}",
          "{{ 'ab' * 3 }}", "{{ [1] * 3 }}", "{{ 3 * 'x' }}", "{{ 'a' + 'b' }}", "{{ [1] + [2] }}", "{{ n + f }}",
          "{{ t + 1 }}", "{{ -n }}", "{{ +f }}", "{{ - - n }}", "{{ n ~ s }}", "{{ f ~ '|' ~ nil ~ '|' ~ t }}",
          "{{ lst ~ d }}", "{{ 1 == 1.0 }}", "{{ 1 == true }}", "{{ 'a' == 'a' }}", "{{ [1, 2] == [1, 2] }}",
          "{{ [1, 2] == (1, 2) }}", "{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }}", "{{ 1 != 2 }}",
          "{{ 1 < 2 < 3 }}", "{{ 3 > 2 > 2 }}", "{{ 'abc' < 'abd' }}", "{{ [1, 2] < [1, 3] }}", "{{ 2 >= 2.0 }}",
          "{{ 'a' in 'cat' }}", "{{ 2 in lst }}", "{{ 'a' in d }}", "{{ 'z' not in d }}", "{{ not t }}",
          "{{ not no and t }}", "{{ t and 'yes' }}", "{{ no or 'fallback' }}", "{{ empty or nil or 0 }}",
          "{{ t and n or 'x' }}", "{{ 'y' if t else 'n' }}", "{{ 'y' if no else 'n' }}", "{{ 'y' if no }}",
          "{{ n if n > 40 else 0 }}", "{{ 1 if t }}{{ 2 if no }}", "{{ 'a' 'b' }}", "{{ n > 10 and n < 50 }}",
          "{{ not (t and no) }}", "{{ 10 - 2 - 3 }}", "{{ 2 ** 3 ** 2 }}", "{{ 1 + 2 ~ 3 }}",
          "{{ -2 ** 2 }}", "{{ big * 1000 }}", "{{ 0.1 * 3 }}", "{{ 1e3 }}", "{{ 10 / 4 * 2 }}",
          "{{ 'a' < 'B' }}", "{{ none == none }}", "{{ x == none }}", "{{ x != 1 }}", "{{ 1 in [1.0] }}"]:
    add("expr", t)

# printf-style formatting and Markup (tojson's result) arithmetic.
for t in ["{{ '%s-%d' % ('a', 3) }}", "{{ '%s' % 'x' }}", "{{ '%r' % 'x' }}", "{{ '%5.2f|%d%%' % (3.14159, 7) }}",
          "{{ '%s' % [1] }}", "{{ '%s %s' % ('a',) }}", "{{ '%(a)s' % {'a': 1} }}", "{{ '%d' % 2.7 }}",
          "{{ '%x' % 255 }}", "{{ '%05d' % 42 }}", "{{ '%-5s|' % 'ab' }}", "{{ '%.3s' % 'abcdef' }}",
          "{{ '%e' % 12345.678 }}", "{{ '%g' % 0.0001 }}", "{{ '%s' % (1, 2) }}", "{{ 'plain' % () }}",
          "{{ 'arn:aws:s3:::%s/*' % bucket }}", "{{ 1 | tojson + '<' }}", "{{ '<' + 1 | tojson }}",
          "{{ (1 | tojson) ~ '<' }}", "{{ [1 | tojson] }}", "{{ 'a' | tojson + 'b' | tojson }}"]:
    add("format", t, dict(CTX, bucket="my-bucket"))

# Attribute and item access, slicing, methods.
for t in ["{{ d.a }}", "{{ d['b'] }}", "{{ d.c.x[1] }}", "{{ nested.outer.inner }}", "{{ nested['list'][1].k }}",
          "{{ lst[0] }}", "{{ lst[-1] }}", "{{ lst.1 }}", "{{ s[0] }}", "{{ s[-5:] }}", "{{ s[:5] }}",
          "{{ s[::2] }}", "{{ s[::-1] }}", "{{ lst[1:] }}", "{{ lst[5] }}|", "{{ d.missing }}|", "{{ d['nope'] }}|",
          "{{ d.items() }}", "{{ d.keys() }}", "{{ d.values() }}", "{{ d.keys() | list }}", "{{ d.get('a') }}",
          "{{ d.get('zz', 'dflt') }}", "{{ d.get('zz') }}", "{{ s.upper() }}", "{{ s.lower() }}",
          "{{ ws.strip() }}|", "{{ s.split() }}", "{{ 'a,b,,c'.split(',') }}", "{{ 'a-b-c'.split('-', 1) }}",
          "{{ s.startswith('Hell') }}", "{{ s.endswith(('x', 'ld')) }}", "{{ s.replace('l', 'L') }}",
          "{{ '-'.join(words) }}", "{{ s.find('World') }}", "{{ s.count('l') }}", "{{ num_s.isdigit() }}",
          "{{ uni[3] }}", "{{ uni|length }}", "{{ tags[0]['Value'] }}", "{{ users[1].name }}",
          "{{ lst[1:2] }}", "{{ (1, 2, 3)[1:] }}", "{{ nil.x }}|", "{{ s.nope }}|", "{{ lst[-10] }}|"]:
    add("access", t)

# Control structures.
for t in ["{% if n > 40 %}big{% elif n > 10 %}mid{% else %}small{% endif %}",
          "{% if n > 100 %}big{% elif n > 10 %}mid{% else %}small{% endif %}",
          "{% if zero %}a{% elif empty %}b{% else %}c{% endif %}", "{% if lst %}has{% endif %}",
          "{% if not d %}none{% else %}some{% endif %}", "{% if x %}x{% else %}no x{% endif %}",
          "{% for i in lst %}{{ loop.index }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}",
          "{% for i in lst %}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}",
          "{% for i in lst %}{{ loop.revindex }}{{ loop.revindex0 }}{% endfor %}",
          "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "{% for k in d %}{{ k }}{% endfor %}",
          "{% for c in 'abc' %}{{ c }}-{% endfor %}", "{% for i in [] %}x{% else %}empty{% endfor %}",
          "{% for i in x %}x{% else %}undefined is empty{% endfor %}",
          "{% for i in items if i is odd %}{{ i }}{{ loop.length }}{% endfor %}",
          "{% for row in users %}{{ row.name }}({{ row.age }}){% endfor %}",
          "{% for t in tags %}{ \"Key\": \"{{ t.Key }}\", \"Value\": \"{{ t.Value }}\" }{{ ',' if not loop.last }}{% endfor %}",
          "{% for a in [[1, 2], [3, 4]] %}{% for b in a %}{{ b }}{% endfor %}|{% endfor %}",
          "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}",
          "{% for i in range(3) %}{{ i }}{% endfor %}", "{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}",
          "{% for i in lst %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
          "{% for i in lst %}{{ loop.previtem }}-{{ loop.nextitem }} {% endfor %}",
          "{% set x = 1 %}{{ x }}", "{% set a, b = 1, 2 %}{{ a }}{{ b }}", "{% set l = [1, 2] %}{{ l | length }}",
          "{% set x = 0 %}{% for i in lst %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}",
          "{% if t %}{% set y = 5 %}{% endif %}{{ y }}", "{% for i in lst %}{% set z = i %}{% endfor %}{{ z }}",
          "{% set ns = namespace(total=0) %}{% for i in lst %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}",
          "{% set block %}inner {{ n }}{% endset %}[{{ block }}]",
          "{% for i in lst %}{% for j in lst %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}",
          "{% if n is divisibleby 2 %}even{% endif %}", "{% if n is defined and x is undefined %}ok{% endif %}",
          "{% if nil is none %}none{% endif %}", "{% if s is string and n is number %}types{% endif %}",
          "{% if d is mapping and lst is iterable and lst is sequence %}coll{% endif %}",
          "{% if n is not string %}ns{% endif %}", "{% if 3 is in lst %}in{% endif %}",
          "{% if n is eq 42 %}eq{% endif %}{% if n is gt 40 %}gt{% endif %}",
          "{% if t is true and no is false and t is boolean %}bools{% endif %}",
          "{% if 1 is integer and 1.0 is float and true is not integer %}nums{% endif %}",
          "{{ 'up' if s is upper else 'mixed' }}{{ 'low' if 'abc' is lower }}"]:
    add("ctrl", t)

# Jinja2 builtin filters.
for t in ["{{ s | upper }}", "{{ s | lower }}", "{{ 'hello world' | capitalize }}", "{{ 'HELLO wORLD-x(y' | title }}",
          "{{ s | replace('o', '0') }}", "{{ 'aaa' | replace('a', 'b', 2) }}", "{{ 'abc' | replace('', '-') }}",
          "{{ num_s | int }}", "{{ float_s | int }}", "{{ bad_s | int }}", "{{ bad_s | int(7) }}", "{{ f | int }}",
          "{{ ' 12 ' | int }}", "{{ '0x1A' | int(base=16) }}", "{{ '1_000' | int }}", "{{ nil | int }}",
          "{{ t | int }}", "{{ float_s | float }}", "{{ bad_s | float }}", "{{ n | float }}", "{{ '1e3' | float }}",
          "{{ x | default('dflt') }}", "{{ empty | default('dflt') }}", "{{ empty | default('dflt', true) }}",
          "{{ zero | default('dflt', boolean=true) }}", "{{ nil | default('dflt') }}", "{{ x | d('short') }}",
          "{{ lst | join(',') }}", "{{ words | join }}", "{{ users | join(', ', attribute='name') }}",
          "{{ [1, 'a', none, true, 1.5] | join('|') }}", "{{ s | length }}", "{{ lst | length }}", "{{ d | count }}",
          "{{ x | length }}", "{{ ws | trim }}|", "{{ 'xxaxx' | trim('x') }}", "{{ n | string }}", "{{ lst | string }}",
          "{{ lst | first }}", "{{ lst | last }}", "{{ 'abc' | first }}", "{{ [] | first }}|", "{{ s | list }}",
          "{{ d | list }}", "{{ d | items | list }}", "{{ d | dictsort }}", "{{ d | dictsort(reverse=true) }}",
          "{{ {'b': 1, 'A': 2, 'a': 3} | dictsort }}", "{{ lst | sort }}", "{{ words | sort }}",
          "{{ words | sort(case_sensitive=true) }}", "{{ lst | sort(reverse=true) }}",
          "{{ users | sort(attribute='age') | map(attribute='name') | join(',') }}", "{{ words | unique | list }}",
          "{{ [1, 2, 1, 3] | unique | list }}", "{{ lst | max }}", "{{ lst | min }}", "{{ words | max }}",
          "{{ users | max(attribute='age') }}", "{{ lst | sum }}", "{{ users | sum(attribute='age') }}",
          "{{ [0.5, 1] | sum }}", "{{ neg | abs }}", "{{ -2.5 | abs }}", "{{ 2.567 | round(2) }}", "{{ 2.5 | round }}",
          "{{ 3.5 | round }}", "{{ 2.675 | round(2) }}", "{{ 7 | round }}", "{{ 3.14159 | round(2, 'ceil') }}",
          "{{ 3.19 | round(1, 'floor') }}", "{{ s | reverse }}", "{{ lst | reverse | list }}",
          "{{ lst | map('string') | join('-') }}", "{{ words | map('upper') | list }}",
          "{{ users | selectattr('age', 'gt', 30) | map(attribute='name') | list }}",
          "{{ users | rejectattr('age', 'gt', 30) | map(attribute='name') | list }}",
          "{{ items | select('odd') | list }}", "{{ items | reject('even') | list }}",
          "{{ [0, 1, '', 'a', none] | select | list }}", "{{ d | tojson }}", "{{ nested | tojson }}",
          "{{ {'html': '<a href=\\'x\\'>&</a>'} | tojson }}", "{{ uni | tojson }}", "{{ [1.0, 2.5, none, true] | tojson }}",
          "{{ d | tojson(indent=2) }}", "{{ [] | tojson(indent=2) }}", "{{ 'tab\\tnl\\n' | tojson }}",
          "{{ users | attr('nope') }}|", "{{ s | upper | lower | title }}", "{{ 'a-b' | replace('-', '_') | upper }}",
          "{{ lst | length > 2 }}", "{{ -n | abs }}", "{{ words | sort | first }}", "{{ big | string | length }}"]:
    add("filter", t)

# stackql-deploy's filters.
for t in ["{{ json_s | from_json }}", "{{ (json_s | from_json).a[2] }}", "{{ json_l | from_json | join(',') }}",
          "{% for x in json_l | from_json %}[{{ x }}]{% endfor %}", "{{ '42' | from_json + 1 }}",
          "{{ 'true' | from_json }}", "{{ 'null' | from_json }}", "{{ '1.5' | from_json }}", "{{ 'not json' | from_json }}",
          "{{ n | from_json }}", "{{ json_s | from_json | tojson }}", "{{ s | base64_encode }}", "{{ 'a' | base64_encode }}",
          "{{ 'ab' | base64_encode }}", "{{ '' | base64_encode }}", "{{ uni | base64_encode }}",
          "{{ n | base64_encode }}", "{{ {'a': 1} | tojson | base64_encode }}",
          "{{ [1, 2] | merge_lists([2, 3]) }}", "{{ json_l | merge_lists('[\"b\", \"c\"]') }}",
          "{{ [{'b': 1, 'a': 2}] | merge_lists([{'a': 2, 'b': 1}, {'c': 3}]) }}", "{{ [1] | merge_lists('nope') }}",
          "{{ tags | merge_lists([{'Key': 'extra', 'Value': 'y'}]) | tojson }}", "{{ [1.0, 1] | merge_lists([]) }}",
          "{{ {'a': 1, 'b': 2} | merge_objects({'b': 3, 'c': 4}) }}", "{{ json_s | merge_objects({'b': 9}) }}",
          "{{ d | merge_objects('{\"z\": true}') | tojson }}", "{{ lst | merge_objects({}) }}",
          "{{ {'Description': 'new desc', 'Count': '3', 'Obj': '{\"a\": 1}', 'Flag': true} | generate_patch_document }}",
          "{{ {'Tags': tags, 'Name': s} | generate_patch_document }}", "{{ {} | generate_patch_document }}",
          "{{ {'Uni': uni, 'Nil': nil, 'F': f} | generate_patch_document }}", "{{ lst | generate_patch_document }}",
          "{{ {'L': '[1, 2]', 'S': 'true', 'Q': '\"quoted\"'} | generate_patch_document }}",
          "{{ lst | sql_list }}", "{{ words | sql_list }}", "{{ json_l | sql_list }}", "{{ 'single' | sql_list }}",
          "{{ [] | sql_list }}", "{{ '[]' | sql_list }}", "{{ nil | sql_list }}", "{{ x | sql_list }}",
          "{{ [1.5, none, true] | sql_list }}", "{{ d | sql_list }}", "{{ '\"abc\"' | sql_list }}",
          "{{ quote | sql_escape }}", "{{ \"a'b'c\" | sql_escape }}", "{{ n | sql_escape }}", "{{ nil | sql_escape }}",
          "{{ x | sql_escape }}|", "{{ lst | sql_escape }}", "{{ {'k': \"it's\"} | tojson | sql_escape }}",
          "{{ uuid() | length }}", "{{ uuid()[8] }}{{ uuid()[14] }}", "{{ uuid() == uuid() }}"]:
    add("stackql", t)

# The seed page's templates and stackql-deploy style resource files.
add("seed", """/*+ update */
UPDATE awscc.events.connections
SET data__PatchDocument = string('{{ {
    "Description": description,
    "AuthorizationType": authorization_type,
    "KmsKeyIdentifier": kms_key_identifier
} | generate_patch_document }}')
WHERE region = '{{ region }}'
AND data__Identifier = '<Name>';
""", SEED_CTX)
add("seed", """/*+ create */
INSERT INTO awscc.events.connections (
 Name,
 AuthParameters,
 region
)
SELECT
'{{ Name }}',
 '{{ AuthParameters }}',
'{{ region }}';
""", SEED_CTX)
add("seed", "{% for k, v in (AuthParameters | from_json).ApiKeyAuthParameters.items() %}{{ k }}={{ v }}\n{% endfor %}",
    SEED_CTX)
add("seed", """SELECT COUNT(*) as count FROM awscc.ec2.vpcs
WHERE region = '{{ region }}'
{%- if vpc_ids %}
AND vpc_id IN {{ vpc_ids | sql_list }}
{%- endif %}
;""", {"region": "eu-west-1", "vpc_ids": ["vpc-1", "vpc-2"]})
add("seed", """{% for ni in network_interfaces | from_json %}
INSERT INTO google.compute.instances (name, networkInterfaces)
SELECT '{{ prefix }}-{{ loop.index }}', '[ {{ ni | tojson }} ]';
{% endfor %}""", {"prefix": "vm", "network_interfaces": '[{"subnetwork": "a"}, {"subnetwork": "b", "accessConfigs": []}]'})
add("seed", """{% set combined = default_policies | merge_lists(custom_policies) %}'{{ combined | tojson }}'""",
    {"default_policies": '["p1", "p2"]', "custom_policies": ["p2", "p3"]})
add("seed", """{% set cfg = base | merge_objects(env_cfg) %}'{{ cfg | tojson }}' {{ cfg.mem }}""",
    {"base": {"mem": 128, "timeout": 3}, "env_cfg": '{"mem": 256}'})
add("seed", "'{{ stack_name }}-{{ stack_env }}-{{ resource_name }}'", {"stack_name": "st", "stack_env": "dev",
                                                                        "resource_name": "vpc"})
add("seed", "'{{ statement | sql_escape }}'", {"statement": "SELECT 'a' FROM t WHERE x = 'y'"})
add("seed", "'{{ user_data | base64_encode }}'", {"user_data": "#!/bin/bash\necho 'hi' > /tmp/x\n"})

# Lexer and parser corner cases.
for t in ["{{-1}}", "a {{-1-}} b", "{{ not 1 in [1] }}", "{{ not 'a' == 'b' }}", "{{ -n | abs }}", "{{ (-n) | abs }}",
          "{{ 1 if t else 2 if no else 3 }}", "{{ 'a' ~ 1 + 2 }}", "{{ 2 * 3 ~ 4 }}", "{{ 'x' if 1 < 2 < 3 }}",
          "{{ '\\n' }}", "{{ 'tab\\there' }}", "{{ '\\u00e9\\x41' }}", "{{ \"double 'single'\" }}",
          "{{ 'single \\'escaped\\'' }}", "{{ 9223372036854775807 }}", "{{ 9223372036854775807 + 0 }}",
          "{{ -9223372036854775807 - 1 }}", "{{ 2 ** 62 }}", "{{ 10 ** 18 }}", "{{ 1.0e2 }}", "{{ 1_0.5_0 }}",
          "{{ lst.0 }}{{ lst.2 }}", "{{ users.0.name }}", "{{ d\n.a }}", "{{\nn\n}}", "{%\nif t\n%}y{%\nendif\n%}",
          "{% for x in lst %}{% if loop.first %}[{% endif %}{{ x }}{% if loop.last %}]{% else %},{% endif %}{% endfor %}",
          "{% for x in lst %}{% for y in 'ab' %}{{ loop.index }}{{ y }}{% endfor %}{{ loop.index }};{% endfor %}",
          "{% for x in lst %}{% set sq = x * x %}{{ sq }} {% endfor %}[{{ sq }}]",
          "{% set x = 'outer' %}{% for i in [1] %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}",
          "{% for k, v in {'a': 1, 'b': [1, 2]}.items() %}{{ k }}{{ v | length if v is sequence else v }}{% endfor %}",
          "{% for item in tags %}{{ item['Key'] }}:{{ item.Value | upper }}{{ ';' if not loop.last }}{% endfor %}",
          "  {%- if t %}  x  {% endif -%}  ", "{% raw -%}  raw  {%- endraw %}", "a\n  {#- c #}  b",
          "{{ [1, 2, 3][1:][0] }}", "{{ 'abc'[-1:] }}", "{{ {'a': 1}['a'] + {'b': 2}.b }}",
          "{{ ('a', 'b') | join('/') }}", "{{ d | dictsort | first }}", "{{ lst | sort | join(',') }}",
          "{{ [uni] | tojson }}", "{{ '\\U0001F600' | tojson }}", "{{ '\\U0001F600' | length }}",
          "{{ ['\\x00'] | tojson }}", "{{ [true, false, none] | tojson }}", "{{ {'nested': {'k': [{}]}} | tojson }}",
          "{{ {1: 'int key', none: 'n'} }}", "{{ {1: 'a', 1.0: 'b'} }}", "{{ {'a': 1, 'a': 2} }}", "{{ 1.5e300 * 1e10 }}",
          "{{ -1.5e300 * 1e10 }}", "{{ 3 // 2.0 }}", "{{ -3.5 // 2 }}", "{{ -3.5 % 2 }}",
          "{{ 5 % 2.5 }}", "{{ true * 3 }}", "{{ 'a' * 0 }}|", "{{ [0] * -1 }}", "{{ '' ~ none }}", "{{ lst + (1,) }}"]:
    add("edge", t)

# Undefined variables: lenient (renders empty / raises where Jinja2 raises) and strict.
for t in ["[{{ missing }}]", "[{{ missing.attr }}]", "[{{ missing['k'] }}]", "{{ missing + 1 }}", "{{ missing | int }}",
          "{{ missing | upper }}|", "{{ missing ~ 'x' }}", "{{ missing | default('ok') }}", "{{ missing is defined }}",
          "{% if missing %}y{% else %}n{% endif %}", "{{ d.nope.deeper }}", "{{ missing == none }}", "{{ missing() }}",
          "{{ missing | tojson }}", "{{ missing | length }}", "{{ missing | list }}", "{{ 'a' in missing }}"]:
    add("undef", t)
for t in ["{{ missing }}", "line1\nline2 {{ missing }}", "{{ d.nope }}", "{{ missing | default('ok') }}",
          "{{ missing is defined }}", "{% if missing %}y{% endif %}", "{% for i in missing %}{% endfor %}",
          "{{ missing ~ 'x' }}", "{{ n }} fine", "{{ lst[9] }}", "{{ missing | upper }}",
          "{{ missing == 1 }}"]:
    add("strict", t, strict=True)

# Errors Jinja2 raises (syntax and runtime) must be errors here too.
for t in ["{% if t %}unclosed", "{% for i in lst %}", "{{ 1 + }}", "{% if %}{% endif %}", "{{ 'a' + 1 }}",
          "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 5 % 0 }}", "{% endif %}", "{% bogus %}", "{{ s | nosuchfilter }}",
          "{{ n is nosuchtest }}", "{{ [1, 2 }}", "{{ 'unterminated }}", "{{ n( }}", "{{ lst < 'a' }}",
          "{% for a, b in lst %}{% endfor %}", "{{ n() }}", "{{ {[1]: 2} }}", "{{ }}", "{% set %}",
          "{% if t %}{% else %}{% else %}{% endif %}", "{{ 1 if }}", "{{ n | round('x') }}", "a {# b",
          "{{ 'abc' - 1 }}", "{{ d | join(1, 2, 3) }}", "{{ lst | first(1) }}", "{{ dict(1) }}",
          "line1\nline2\n{% if t %}\n{% for x in lst %}\n", "a\n\n{{ 1 +\n }}", "x\n{% endfor %}",
          "{% if t %}\n{% elif %}\n{% endif %}", "\n\n{{ 'open", "{% for in lst %}{% endfor %}",
          "{% for x lst %}{% endfor %}", "{% set x = %}", "{{ a.}}", "{{ a[ }}", "{{ f(a=1, 2) }}",
          "{% raw %}never closed", "{{ 1 }\n}", "{% if t %}{% endfor %}{% endif %}"]:
    add("error", t)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json"), "w", encoding="utf-8") as f:
    json.dump(cases, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"{len(cases)} cases")
