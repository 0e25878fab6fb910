//! Maps JSON pointers to line:column positions in the spec text (YAML or JSON).
//!
//! serde_yaml and serde_json do not expose positions of values, so this module runs a
//! second, event-based parse (`saphyr-parser`, which reads JSON as well since JSON is YAML's
//! flow style) and records where every node starts. It is only used to render diagnostics.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser};

/// Pointer → (line, column), both 1-based.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: BTreeMap<String, (usize, usize)>,
}

enum Frame {
    Map { pointer: String, key: Option<String> },
    Seq { pointer: String, index: usize },
}

impl SourceMap {
    /// Build the map. Parse failures simply stop the walk: positions found so far are kept.
    pub fn build(text: &str) -> Self {
        let mut positions = BTreeMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut steps = 0usize;
        while let Some(Ok((event, span))) = parser.next_event() {
            steps += 1;
            if steps > 5_000_000 {
                break;
            }
            let pos = (span.start.line(), span.start.col() + 1);
            // Where does the node that starts here live?
            let node_pointer = |stack: &mut Vec<Frame>| -> Option<String> {
                match stack.last_mut() {
                    None => Some(String::new()),
                    Some(Frame::Map { pointer, key }) => key.take().map(|k| crate::pointer::join(pointer, &k)),
                    Some(Frame::Seq { pointer, index }) => {
                        let p = format!("{pointer}/{index}");
                        *index += 1;
                        Some(p)
                    }
                }
            };
            match event {
                Event::Scalar(..) | Event::Alias(_) if stack.len() > crate::load::MAX_DEPTH => {}
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                        if key.is_none() {
                            // This scalar is a key: the position of the key is the most useful one.
                            let Some(Frame::Map { pointer, .. }) = stack.last() else { unreachable!() };
                            let p = crate::pointer::join(pointer, &value);
                            positions.entry(p).or_insert(pos);
                            if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                                *key = Some(value.into_owned());
                            }
                            continue;
                        }
                    }
                    if let Some(p) = node_pointer(&mut stack) {
                        positions.entry(p).or_insert(pos);
                    }
                }
                Event::Alias(_) => {
                    if let Some(p) = node_pointer(&mut stack) {
                        positions.entry(p).or_insert(pos);
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= crate::load::MAX_DEPTH => {
                    // Deeper than any document that loads: keep the structure, record nothing
                    // (pointers of deep nodes would cost time and memory quadratic in depth).
                    stack.push(Frame::Seq { pointer: "\u{0}".to_owned(), index: 0 });
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let pointer = match stack.last() {
                        Some(Frame::Map { key: None, .. }) => {
                            // A complex key; give it an unreachable pointer.
                            Some("\u{0}".to_owned())
                        }
                        _ => node_pointer(&mut stack),
                    };
                    let pointer = pointer.unwrap_or_default();
                    positions.entry(pointer.clone()).or_insert(pos);
                    stack.push(if is_map {
                        Frame::Map { pointer, key: None }
                    } else {
                        Frame::Seq { pointer, index: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        SourceMap { positions }
    }

    /// Position of the node at `pointer`, or of its closest located ancestor.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.positions.get("").copied(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_positions() {
        let map = SourceMap::build("a:\n  b: 1\n  c:\n    - x\n    - y: 2\n");
        assert_eq!(map.locate("/a/b"), Some((2, 3)));
        assert_eq!(map.locate("/a/c/1/y"), Some((5, 7)));
        assert_eq!(map.locate("/a/c/1/zzz"), Some((5, 7)));
    }

    #[test]
    fn json_positions() {
        let map = SourceMap::build("{\n  \"a\": {\"b/c\": [1, 2]}\n}");
        assert_eq!(map.locate("/a"), Some((2, 3)));
        assert_eq!(map.locate("/a/b~1c/1"), Some((2, 20)));
    }
}
