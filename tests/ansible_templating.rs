//! Ansible's filters, tests and lookups, rendered by ansible-core and by numarun from the same
//! playbook: each expression's text must be the same. A role-shaped layout (`files/`,
//! `templates/` beside the play) so the lookups search as they do in real content.

mod common;

use common::Test;
use common::ansible::{ansible_playbook, both_counted};

/// Renders each `(name, expression)` into `out/name` through both and compares the texts.
fn same_renderings(t: &Test, ansible: &str, vars: &str, lines: &[(&str, &str)]) {
    let tasks: String = lines
        .iter()
        .map(|(name, expr)| {
            format!(
                "    - copy:\n        dest: \"{{{{ out }}}}/{name}\"\n        content: \"{expr}\\n\"\n"
            )
        })
        .collect();
    t.write(
        "play.yaml",
        &format!("- hosts: localhost\n  gather_facts: false\n  vars:\n{vars}  tasks:\n{tasks}"),
    );
    let (ansible_code, ansible_counts, numarun_code, numarun_counts) = both_counted(t, ansible);
    assert_eq!(ansible_code, 0, "ansible-core failed");
    for (name, expr) in lines {
        assert_eq!(
            t.read(&format!("by-numarun/{name}")),
            t.read(&format!("by-ansible/{name}")),
            "{name}: {expr}"
        );
    }
    assert_eq!((numarun_code, numarun_counts), (ansible_code, ansible_counts));
    assert_eq!(t.tree("by-numarun"), t.tree("by-ansible"));
}

#[test]
fn list_path_and_digest_filters_render_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    std::fs::create_dir_all(t.path().join("real")).unwrap();
    std::os::unix::fs::symlink("real", t.path().join("alias")).unwrap();
    let vars = "    users:\n\
                \x20     - { name: alice, keys: [a1, a2], groups: { admin: [wheel] } }\n\
                \x20     - { name: bob, keys: [b1], groups: { admin: [] } }\n\
                \x20   nested: [1, [2, [3, null]], [], \"x\"]\n\
                \x20   ports: { web: 80, db: 5432 }\n";
    same_renderings(
        &t,
        &ansible,
        vars,
        &[
            (
                "flatten",
                "{{ nested | flatten | join(',') }} {{ nested | flatten(levels=1) | length }}",
            ),
            ("union", "{{ [3, 1, 2] | union([2, 5]) | sort | join(',') }}"),
            ("intersect", "{{ ['a', 'b', 'c'] | intersect(['c', 'a', 'z']) | sort | join(',') }}"),
            ("difference", "{{ ['a', 'b', 'c'] | difference(['b']) | sort | join(',') }}"),
            ("symmetric", "{{ [1, 2, 3] | symmetric_difference([3, 4]) | sort | join(',') }}"),
            ("unique", "{{ ['b', 'a', 'B', 'b', 'c'] | unique | join(',') }}"),
            (
                "subelements",
                "{% for u, k in users | subelements('keys') %}{{ u.name }}={{ k }} {% endfor %}",
            ),
            (
                "subelements_dotted",
                "{% for u, g in users | subelements('groups.admin') %}{{ u.name }}:{{ g }}{% endfor %}",
            ),
            ("zip", "{% for a, b in [1, 2, 3] | zip(['x', 'y']) %}{{ a }}{{ b }} {% endfor %}"),
            (
                "zip_longest",
                "{% for a, b in [1, 2, 3] | zip_longest(['x'], fillvalue='-') %}{{ a }}{{ b }} {% endfor %}",
            ),
            ("extract", "{{ ['web', 'db'] | map('extract', ports) | join(',') }}"),
            (
                "hash",
                "{{ 'numarun' | hash('sha256') }} {{ 'numarun' | hash('md5') }} {{ 'numarun' | hash }}",
            ),
            ("checksum", "{{ 'numarun' | checksum }} {{ 'numarun' | md5 }} {{ 'numarun' | sha1 }}"),
            ("uuid", "{{ 'web1' | to_uuid }}"),
            (
                "password_hash",
                "{{ 'S3cret!' | password_hash('sha512', 'mysalt') }} {{ 'S3cret!' | password_hash('sha256', salt='abc', rounds=5000) }} {{ 'S3cret!' | password_hash('md5', 'saltsalt') }} {{ 'x' | password_hash(salt='s', rounds=1000) }}",
            ),
            (
                "password_hash_salted",
                "{{ ('pw' | password_hash('sha512')).split('$')[2] }} {{ ('pw' | password_hash('sha512')).split('$')[3] | length }} {{ ('pw' | password_hash('sha512', salt_size=10)).split('$')[3] | length }}",
            ),
            (
                "paths",
                "{{ '/etc/nginx/nginx.conf' | basename }} {{ '/etc/nginx/' | dirname }} {{ 'a/./b/../c' | normpath }}",
            ),
            ("splitext", "{{ ('/srv/app.tar.gz' | splitext)[1] }} {{ ('.bashrc' | splitext)[0] }}"),
            (
                "path_join",
                "{{ ['/srv', 'app', 'conf'] | path_join }} {{ ['/srv', '/etc', 'x'] | path_join }}",
            ),
            (
                "realpath",
                "{{ (playbook_dir + '/alias/../alias/f') | realpath | basename }} {{ (playbook_dir + '/alias') | realpath | basename }}",
            ),
            ("ternary", "{{ (1 > 2) | ternary('yes', 'no') }} {{ none | ternary('t', 'f', 'n') }}"),
            (
                "combine",
                "{{ ({'a': {'x': 1}, 'b': 2} | combine({'a': {'y': 3}}, recursive=true)).a.y }} {{ ({'a': 1} | combine({'a': 2}, {'c': 3})) | dict2items | map(attribute='value') | join(',') }}",
            ),
            ("items2dict", "{{ ([{'key': 'k', 'value': 'v'}] | items2dict).k }}"),
            (
                "regex",
                "{{ 'db-01.lan' | regex_replace('^db-(\\\\d+)', 'pg\\\\1') }} {{ 'v1.22.3' | regex_search('\\\\d+\\\\.(\\\\d+)', '\\\\1') | first }} {{ 'a1b22' | regex_findall('\\\\d+') | join('/') }}",
            ),
            ("b64", "{{ 'numarun' | b64encode }} {{ 'bnVtYXJ1bg==' | b64decode }}"),
            ("quote", "{{ \\\"it's\\\" | quote }}"),
            (
                "yaml_json",
                "{{ ('{\\\"a\\\": [1, 2]}' | from_json).a | length }} {{ ('k: [x, y]' | from_yaml).k | last }}",
            ),
        ],
    );
}

/// The filters over text and data (`to_json`, `to_yaml`, their `to_nice_` forms, `from_*`,
/// regular expressions, base64, mappings, `bool`, `ternary`, `quote`, `human_to_bytes`) on
/// values chosen for where writers differ: key order, nesting, empty collections, strings YAML
/// would read as something else, quotes, breaks, non-ASCII, long lines.
#[test]
fn data_filters_render_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let vars = "    base: { b: 1, a: { z: [1, { q: null }], y: \"\\u00e9\" }, e: [], f: {} }\n\
                \x20   plain: { k: v, n: 2, t: true, x: 1.5 }\n\
                \x20   awkward: ['1', 'yes', '', 'a: b', '-x', '#c', 'a #b', '2001-12-14', '0x1F', '12:30', '=', '~', \"it's\", ' lead', 'trail ', \"two\\nlines\", \"tab\\there\", 'x: ']\n\
                \x20   nested: { list: [[1, 2], [3]], maps: [{ a: 1 }, { b: [] }] }\n\
                \x20   long: \"{{ 'word ' * 30 }}\"\n\
                \x20   many: \"{{ range(40) | list }}\"\n\
                \x20   conf: memory 15GB\n";
    same_renderings(
        &t,
        &ansible,
        vars,
        &[
            ("to_json", "{{ base | to_json }} {{ plain | to_json }} {{ awkward | to_json }}"),
            ("to_nice_json", "{{ base | to_nice_json }}|{{ nested | to_nice_json(indent=2) }}"),
            ("to_yaml_base", "{{ base | to_yaml }}"),
            ("to_yaml_plain", "{{ plain | to_yaml }}"),
            ("to_yaml_awkward", "{{ awkward | to_yaml }}"),
            ("to_yaml_nested", "{{ nested | to_yaml }}"),
            ("to_yaml_long", "{{ long | to_yaml }}{{ many | to_yaml }}{{ {'k': long} | to_yaml }}"),
            ("to_nice_yaml", "{{ base | to_nice_yaml }}{{ nested | to_nice_yaml }}"),
            ("to_nice_yaml_awkward", "{{ awkward | to_nice_yaml(indent=2) }}"),
            ("scalars_yaml", "{{ 'x' | to_yaml }}{{ 3 | to_yaml }}{{ none | to_yaml }}"),
            (
                "round_trip",
                "{{ (base | to_json | from_json) == base }} {{ (nested | to_yaml | from_yaml) == nested }}",
            ),
            (
                "bool",
                "{{ 'yes' | bool }} {{ 'off' | bool }} {{ '1' | bool }} {{ 0 | bool }} {{ 'TRUE' | bool }}",
            ),
            (
                "combine",
                "{{ base | combine({'a': {'w': 2}}, recursive=true) | to_json }} {{ base | combine({'a': 0}) | to_json }}",
            ),
            (
                "items",
                "{{ plain | dict2items | to_json }} {{ plain | dict2items | items2dict | to_json }}",
            ),
            ("regex_replace", "{{ conf | regex_replace('(\\\\d+)GB', '\\\\1 GiB') }}"),
            (
                "regex_search",
                "{{ conf | regex_search('[0-9]+') }} {{ conf | regex_search('(\\\\d+)(GB)', '\\\\2', '\\\\1') }}",
            ),
            ("regex_findall", "{{ 'a1b22c333' | regex_findall('[0-9]+') | join(',') }}"),
            ("b64", "{{ 'héllo' | b64encode }} {{ 'aMOpbGxv' | b64decode }}"),
            ("ternary", "{{ true | ternary('a', 'b') }} {{ none | ternary('a', 'b', 'n') }}"),
            ("quote", "{{ \\\"it's\\\" | quote }} {{ '' | quote }} {{ 'plain' | quote }}"),
            (
                "human_to_bytes",
                "{{ '2G' | human_to_bytes }} {{ '1.5 KB' | human_to_bytes }} {{ '10Mb' | human_to_bytes(isbits=true) }} {{ '3' | human_to_bytes('K') }} {{ '2.5' | human_to_bytes }} {{ '1 kilobyte' | human_to_bytes }}",
            ),
            ("paths", "{{ '/data/hot/pg.conf' | basename }} {{ '/data/hot/pg.conf' | dirname }}"),
            (
                "more_paths",
                "{{ '/a/./b/../c' | normpath }} {{ ['/a', 'b', 'c.txt'] | path_join }} {{ '/a/b/c' | relpath('/a') }} {{ '~' | expanduser is abs }}",
            ),
            ("split", "{{ 'a,b,,c' | split(',') | join('|') }} {{ 'a b  c' | split | join('|') }}"),
            (
                "digests",
                "{{ 'x' | hash('sha256') }} {{ 'x' | hash('sha512') }} {{ 'x' | md5 }} {{ 'x' | sha1 }}",
            ),
            ("truthy", "{{ 'a' is truthy }} {{ '' is falsy }} {{ 0 is truthy }} {{ [] is falsy }}"),
            ("regex_test", "{{ 'web01' is regex('^web[0-9]+$') }} {{ 'xweb' is regex('^web') }}"),
            ("mandatory", "{{ conf | mandatory }}"),
        ],
    );
}

#[test]
fn tests_render_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let vars = "    done: { changed: true, failed: false }\n    kernel: \"6.1.0-18-amd64\"\n";
    same_renderings(
        &t,
        &ansible,
        vars,
        &[
            (
                "version",
                "{{ '1.10' is version('1.9', '>') }} {{ '1.2' is version('1.2.0', '==') }} {{ kernel is version('5.15', '>=') }}",
            ),
            (
                "version_ops",
                "{{ '2.0' is version('2.0.1', 'lt') }} {{ '1.0' is version('1.0', operator='ne') }} {{ '2.0a1' is version('2.0', '<', strict=true) }}",
            ),
            (
                "semver",
                "{{ '1.0.0-rc.1' is version('1.0.0', '<', version_type='semver') }} {{ '1.0.0-rc.10' is version('1.0.0-rc.9', '>', version_type='semver') }}",
            ),
            (
                "subset",
                "{{ [1, 2] is subset([1, 2, 3]) }} {{ [1, 4] is subset([1, 2]) }} {{ [1, 2, 3] is superset([3]) }}",
            ),
            ("contains", "{{ ['a', 'b'] is contains('b') }} {{ ['a'] is contains('z') }}"),
            (
                "results",
                "{{ done is changed }} {{ done is succeeded }} {{ done is failed }} {{ done is skipped }}",
            ),
            (
                "match",
                "{{ 'web01' is match('web') }} {{ 'xweb' is match('web') }} {{ 'xweb' is search('web') }}",
            ),
            (
                "paths",
                "{{ playbook_dir is directory }} {{ playbook_dir is file }} {{ '/nowhere' is exists }} {{ 'rel' is abs }}",
            ),
        ],
    );
}

#[test]
fn lookups_find_and_render_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    // SAFETY: set before either tool starts, read by the processes this test starts only.
    unsafe { std::env::set_var("NUMARUN_LOOKUP_TEST", "from-env") };
    let t = Test::local();
    t.write("files/motd.txt", "  welcome to {{ not_rendered }}\n\n")
        .write("files/b.conf", "b\n")
        .write("files/a.conf", "a\n")
        .write("files/.hidden.conf", "h\n")
        .write(
            "templates/site.j2",
            "{% if port > 1024 %}\nhigh {{ port }}\n{% endif %}\nname={{ name }}\n",
        )
        .write("local.yaml", "found: local\n");
    let vars =
        "    port: 8080\n    name: web\n    greeting: hello\n    tier: \"{{ greeting }} world\"\n";
    same_renderings(
        &t,
        &ansible,
        vars,
        &[
            (
                "file",
                "[{{ lookup('file', 'motd.txt') }}] [{{ lookup('file', 'motd.txt', lstrip=true) }}]",
            ),
            ("template", "{{ lookup('template', 'site.j2') }}"),
            ("pipe", "{{ lookup('pipe', 'echo one; echo two') }}"),
            (
                "lines",
                "{{ query('lines', 'printf \\\"x\\\\ny\\\\n\\\"') | join('+') }} {{ lookup('lines', 'printf \\\"x\\\\ny\\\\n\\\"') }}",
            ),
            ("fileglob", "{{ query('fileglob', '*.conf') | map('basename') | sort | join(',') }}"),
            (
                "first_found",
                "{{ lookup('first_found', ['missing.yaml', 'local.yaml']) | basename }} {{ lookup('first_found', {'files': ['a.conf'], 'paths': [playbook_dir + '/files']}) | basename }}",
            ),
            ("first_found_skip", "[{{ lookup('first_found', ['none.yaml'], skip=true) }}]"),
            (
                "vars",
                "{{ lookup('vars', 'tier') }} {{ lookup('vars', 'absent', default='d') }} {{ q('vars', 'name', 'port') | join(',') }}",
            ),
            (
                "env",
                "{{ lookup('env', 'NUMARUN_LOOKUP_TEST') }} [{{ lookup('env', 'NUMARUN_NOT_SET') }}] {{ lookup('env', 'NUMARUN_NOT_SET', default='dflt') }}",
            ),
            (
                "wantlist",
                "{{ lookup('fileglob', '*.conf', wantlist=true) | length }} {{ lookup('vars', 'greeting', 'name') }}",
            ),
            (
                "password",
                "{% set pw = lookup('password', out + '-pw/secret length=12 chars=digits') %}{{ pw | length }} {{ pw is match('^[0-9]{12}$') }} {{ pw == lookup('password', out + '-pw/secret length=12 chars=digits') }}",
            ),
        ],
    );
    for tool in ["ansible", "numarun"] {
        let file = t.path().join(format!("by-{tool}-pw/secret"));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{tool}'s password file");
        let kept = std::fs::read_to_string(&file).unwrap();
        assert!(kept.trim_end().len() == 12 && kept.ends_with('\n'), "{tool} kept {kept:?}");
    }
}
