//! Property tests of the format-preserving edit: for random YAML, JSON and TOML
//! documents (random shapes, keys, quoting, comments, line endings) and a random value
//! in them, the edited text parses, with an independent parser, to the original
//! document with only that value changed, and every byte outside the value's span is
//! unchanged.

use proptest::prelude::*;
use relay::bump::{Format, KeyPath, Segment, edit_text};

#[derive(Debug, Clone)]
enum Tree {
    Map(Vec<(String, Tree)>),
    List(Vec<Tree>),
    Str(String),
    Int(i64),
    Bool(bool),
}

fn dedupe(entries: Vec<(String, Tree)>) -> Vec<(String, Tree)> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect()
}

fn tree(key: impl Strategy<Value = String> + Clone + 'static) -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        4 => "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}".prop_map(Tree::Str),
        2 => "[a-zA-Z0-9 ._:#'\"\\\\/-]{0,10}".prop_map(Tree::Str),
        1 => any::<i32>().prop_map(|i| Tree::Int(i64::from(i))),
        1 => any::<bool>().prop_map(Tree::Bool),
    ];
    leaf.prop_recursive(4, 24, 5, move |inner| {
        prop_oneof![
            prop::collection::vec((key.clone(), inner.clone()), 1..5)
                .prop_map(|e| Tree::Map(dedupe(e))),
            prop::collection::vec(inner, 1..4).prop_map(Tree::List),
        ]
    })
}

fn root_map(key: impl Strategy<Value = String> + Clone + 'static) -> impl Strategy<Value = Tree> {
    prop::collection::vec((key.clone(), tree(key)), 1..6).prop_map(|e| Tree::Map(dedupe(e)))
}

/// Every scalar's key path.
fn leaves(tree: &Tree, path: &KeyPath, out: &mut Vec<KeyPath>) {
    match tree {
        Tree::Map(entries) => {
            for (k, v) in entries {
                leaves(v, &path.key(k), out);
            }
        }
        Tree::List(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &path.index(i), out);
            }
        }
        _ => out.push(path.clone()),
    }
}

fn new_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-rc\\.[0-9])?",
        "[0-9a-f]{7,12}",
        "[0-9]{1,4}",
        Just("1.10".to_string()),
        Just("yes".to_string()),
        Just("null".to_string()),
        Just(String::new()),
        "[a-zA-Z0-9 ._:#'\"\\\\/{}\\[\\],&*!|>%@-]{1,12}",
    ]
}

/// Style choices drawn from a seed, so that shrinking keeps them stable.
struct Styles {
    seed: Vec<u8>,
    at: usize,
}

impl Styles {
    fn pick(&mut self, n: u8) -> u8 {
        let b = self.seed[self.at % self.seed.len()];
        self.at += 1;
        b % n
    }
}

/// The edit touched only the bytes of the value at `key`: the text before and after
/// the value's span in the old text begins and ends the new text.
fn assert_only_value_bytes_changed(format: Format, old: &str, new: &str, key: &KeyPath) {
    let nodes = format.parse(old, std::path::Path::new("doc")).unwrap();
    let node = nodes.iter().find(|n| n.doc == 0 && n.path == *key).unwrap();
    let (before, after) = (&old[..node.span.start], &old[node.span.end..]);
    assert!(
        new.len() >= before.len() + after.len() && new.starts_with(before) && new.ends_with(after),
        "bytes outside the value (span {:?}) changed\n--- old\n{old}\n--- new\n{new}",
        node.span
    );
}

// ---------- YAML ----------

fn yaml_key() -> impl Strategy<Value = String> + Clone {
    // A leading `k` keeps keys from reading as bools or numbers.
    "k[a-z0-9_.-]{0,6}"
}

fn yaml_plain_ok(s: &str) -> bool {
    let re = regex::Regex::new(r"^(?:[a-zA-Z][a-zA-Z0-9._/-]*|[0-9]+\.[0-9]+\.[0-9]+)$").unwrap();
    re.is_match(s)
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "no" | "on" | "off" | "y" | "n" | "true" | "false" | "null"
        )
}

fn yaml_scalar(t: &Tree, st: &mut Styles) -> String {
    match t {
        Tree::Str(s) => match st.pick(3) {
            0 if yaml_plain_ok(s) => s.clone(),
            1 if !s.contains('\\') => format!("'{}'", s.replace('\'', "''")),
            _ => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        },
        Tree::Int(i) => i.to_string(),
        Tree::Bool(b) => b.to_string(),
        _ => unreachable!(),
    }
}

fn is_leaf(t: &Tree) -> bool {
    !matches!(t, Tree::Map(_) | Tree::List(_))
}

fn yaml_flow(t: &Tree, st: &mut Styles) -> String {
    match t {
        Tree::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", yaml_flow(v, st)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Tree::List(items) => {
            let parts: Vec<String> = items.iter().map(|v| yaml_flow(v, st)).collect();
            format!("[{}]", parts.join(", "))
        }
        Tree::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        leaf => yaml_scalar(leaf, st),
    }
}

fn yaml_comment(st: &mut Styles) -> &'static str {
    match st.pick(4) {
        0 => "  # note: keep",
        1 => " #x",
        _ => "",
    }
}

/// Block YAML; `out` receives lines.
fn yaml_block(t: &Tree, indent: usize, st: &mut Styles, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match t {
        Tree::Map(entries) => {
            for (k, v) in entries {
                if st.pick(5) == 0 {
                    out.push(format!("{pad}# about {k}"));
                }
                if is_leaf(v) {
                    let c = yaml_comment(st);
                    out.push(format!("{pad}{k}: {}{c}", yaml_scalar(v, st)));
                } else if st.pick(4) == 0 {
                    out.push(format!("{pad}{k}: {}", yaml_flow(v, st)));
                } else {
                    out.push(format!("{pad}{k}:"));
                    yaml_block(v, indent + 2, st, out);
                }
            }
        }
        Tree::List(items) => {
            for v in items {
                if is_leaf(v) {
                    let c = yaml_comment(st);
                    out.push(format!("{pad}- {}{c}", yaml_scalar(v, st)));
                } else {
                    out.push(format!("{pad}-"));
                    yaml_block(v, indent + 2, st, out);
                }
            }
        }
        leaf => out.push(format!("{pad}{}", yaml_scalar(leaf, st))),
    }
}

fn render_yaml(t: &Tree, st: &mut Styles) -> String {
    let mut lines = Vec::new();
    if st.pick(3) == 0 {
        lines.push("# a generated document".to_string());
    }
    yaml_block(t, 0, st, &mut lines);
    let eol = if st.pick(4) == 0 { "\r\n" } else { "\n" };
    let mut text = lines.join(eol);
    if st.pick(5) != 0 {
        text.push_str(eol);
    }
    text
}

fn yaml_at<'a>(doc: &'a mut saphyr::YamlOwned, key: &KeyPath) -> &'a mut saphyr::YamlOwned {
    use saphyr::{ScalarOwned, YamlOwned};
    let mut node = doc;
    for segment in key.segments() {
        node = match (node, segment) {
            (YamlOwned::Mapping(map), Segment::Key(k)) => map
                .get_mut(&YamlOwned::Value(ScalarOwned::String(k.clone())))
                .expect("the key is in the document"),
            (YamlOwned::Sequence(items), Segment::Index(i)) => &mut items[*i],
            (other, s) => panic!("{s:?} not in {other:?}"),
        };
    }
    node
}

fn load_yaml(text: &str) -> saphyr::YamlOwned {
    use saphyr::LoadableYamlNode;
    saphyr::YamlOwned::load_from_str(text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .into_iter()
        .next()
        .unwrap_or(saphyr::YamlOwned::Value(saphyr::ScalarOwned::Null))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn yaml_edits_change_only_the_value(
        doc in root_map(yaml_key()),
        seed in prop::collection::vec(any::<u8>(), 1..32),
        pick in any::<prop::sample::Index>(),
        value in new_value(),
    ) {
        let mut st = Styles { seed, at: 0 };
        let text = render_yaml(&doc, &mut st);
        let mut paths = Vec::new();
        leaves(&doc, &KeyPath::default(), &mut paths);
        let key = pick.get(&paths).clone();
        let edited = edit_text(Format::Yaml, &text, &key, &value)
            .unwrap_or_else(|e| panic!("{e}\n--- text\n{text}"));
        assert_only_value_bytes_changed(Format::Yaml, &text, &edited, &key);

        let mut expected = load_yaml(&text);
        let old_leaf = yaml_at(&mut expected, &key).clone();
        let mut got = load_yaml(&edited);
        let new_leaf = yaml_at(&mut got, &key).clone();
        let as_string = saphyr::YamlOwned::Value(saphyr::ScalarOwned::String(value.clone()));
        let old_was_string = matches!(old_leaf, saphyr::YamlOwned::Value(saphyr::ScalarOwned::String(_)));
        prop_assert!(
            new_leaf == as_string || (!old_was_string && new_leaf == load_yaml(&value)),
            "`{key}` reads {new_leaf:?}, not {value:?}\n--- edited\n{edited}"
        );
        *yaml_at(&mut expected, &key) = new_leaf;
        prop_assert_eq!(got, expected);
    }
}

// ---------- JSON ----------

fn json_key() -> impl Strategy<Value = String> + Clone {
    "[a-zA-Z0-9 ._\"-]{0,6}"
}

fn to_json(t: &Tree) -> serde_json::Value {
    match t {
        Tree::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Tree::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Tree::Str(s) => serde_json::Value::String(s.clone()),
        Tree::Int(i) => serde_json::json!(i),
        Tree::Bool(b) => serde_json::Value::Bool(*b),
    }
}

fn json_at<'a>(doc: &'a mut serde_json::Value, key: &KeyPath) -> &'a mut serde_json::Value {
    let mut node = doc;
    for segment in key.segments() {
        node = match segment {
            Segment::Key(k) => node.get_mut(k.as_str()).unwrap(),
            Segment::Index(i) => node.get_mut(*i).unwrap(),
        };
    }
    node
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn json_edits_change_only_the_value(
        doc in root_map(json_key()),
        pretty in any::<bool>(),
        crlf in any::<bool>(),
        pick in any::<prop::sample::Index>(),
        value in new_value(),
    ) {
        let json = to_json(&doc);
        let mut text = if pretty {
            serde_json::to_string_pretty(&json).unwrap() + "\n"
        } else {
            serde_json::to_string(&json).unwrap()
        };
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let mut paths = Vec::new();
        leaves(&doc, &KeyPath::default(), &mut paths);
        let key = pick.get(&paths).clone();
        let edited = edit_text(Format::Json, &text, &key, &value)
            .unwrap_or_else(|e| panic!("{e}\n--- text\n{text}"));
        assert_only_value_bytes_changed(Format::Json, &text, &edited, &key);
        let got: serde_json::Value = serde_json::from_str(&edited).unwrap();
        let mut expected = json.clone();
        let old_leaf = json_at(&mut expected, &key).clone();
        let number = serde_json::from_str::<serde_json::Value>(&value).ok().filter(|v| v.is_number());
        *json_at(&mut expected, &key) = match number {
            Some(n) if old_leaf.is_number() => n,
            _ => serde_json::Value::String(value.clone()),
        };
        prop_assert_eq!(got, expected);
    }
}

// ---------- TOML ----------

fn toml_key() -> impl Strategy<Value = String> + Clone {
    "[a-zA-Z0-9_.-]{1,6}"
}

fn to_toml(t: &Tree) -> toml::Value {
    match t {
        Tree::Map(entries) => toml::Value::Table(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_toml(v)))
                .collect(),
        ),
        Tree::List(items) => toml::Value::Array(items.iter().map(to_toml).collect()),
        Tree::Str(s) => toml::Value::String(s.clone()),
        Tree::Int(i) => toml::Value::Integer(*i),
        Tree::Bool(b) => toml::Value::Boolean(*b),
    }
}

fn toml_at<'a>(doc: &'a mut toml::Value, key: &KeyPath) -> &'a mut toml::Value {
    let mut node = doc;
    for segment in key.segments() {
        node = match segment {
            Segment::Key(k) => node.get_mut(k.as_str()).unwrap(),
            Segment::Index(i) => node.get_mut(*i).unwrap(),
        };
    }
    node
}

/// Rewrites some basic strings `"x"` as literal strings `'x'` where that is the same
/// value, so both quoting styles are edited.
fn some_literal_strings(text: &str, seed: &[u8]) -> String {
    let re = regex::Regex::new(r#"(?m)^([A-Za-z0-9_-]+) = "([^"'\\]*)"$"#).unwrap();
    let mut n = 0;
    re.replace_all(text, |c: &regex::Captures<'_>| {
        n += 1;
        if seed[n % seed.len()].is_multiple_of(2) {
            format!("{} = '{}'", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    })
    .into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn toml_edits_change_only_the_value(
        doc in root_map(toml_key()),
        pretty in any::<bool>(),
        seed in prop::collection::vec(any::<u8>(), 1..16),
        pick in any::<prop::sample::Index>(),
        value in new_value(),
    ) {
        let toml_doc = to_toml(&doc);
        let rendered = if pretty { toml::to_string_pretty(&toml_doc) } else { toml::to_string(&toml_doc) };
        let Ok(text) = rendered else {
            // Shapes TOML cannot write (the serializer refuses them) are not documents.
            return Ok(());
        };
        let text = some_literal_strings(&text, &seed);
        let original: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        prop_assume!(original == toml_doc);
        let mut paths = Vec::new();
        leaves(&doc, &KeyPath::default(), &mut paths);
        let key = pick.get(&paths).clone();
        let edited = edit_text(Format::Toml, &text, &key, &value)
            .unwrap_or_else(|e| panic!("{e}\n--- text\n{text}"));
        assert_only_value_bytes_changed(Format::Toml, &text, &edited, &key);
        let got: toml::Value = toml::from_str(&edited).unwrap();
        let mut expected = original.clone();
        let old_leaf = toml_at(&mut expected, &key).clone();
        // A number literal alone (`0 # c` is a number and a comment).
        let literal = !value.contains(['#', ' ', '\t', '\n']);
        let number = format!("x = {value}").parse::<toml::Table>().ok().filter(|_| literal)
            .and_then(|t| t.get("x").cloned())
            .filter(|v| v.is_integer() || v.is_float());
        *toml_at(&mut expected, &key) = match number {
            Some(n) if old_leaf.is_integer() => n,
            _ => toml::Value::String(value.clone()),
        };
        prop_assert_eq!(got, expected);
    }
}
