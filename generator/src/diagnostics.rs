//! Diagnostics: what went wrong, where (JSON pointer, then line:column), and how to fix it.

use std::fmt;

use crate::source_map::SourceMap;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation stops; nothing is written.
    Error,
    /// The client is generated without something the spec asks for (e.g. a pattern check
    /// that cannot be compiled); `Settings::strict` makes it an error.
    Warning,
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, without a trailing period.
    pub message: String,
    /// The file the pointer is in, when it is not the spec (an overlay, a referenced file).
    pub file: Option<Box<str>>,
    /// JSON pointer (RFC 6901) of the offending node, `""` for the whole document.
    pub pointer: String,
    /// A hint on how to fix it.
    pub help: Option<Box<str>>,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
}

impl Diagnostic {
    /// A diagnostic at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            pointer: pointer.into(),
            help: None,
            position: None,
        }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::new(pointer, message) }
    }

    /// The pointer is in `file`, not in the spec.
    #[must_use]
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into().into_boxed_str());
        self
    }

    /// Attach a hint.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    /// Attach an explicit position (for syntax errors that have no pointer).
    #[must_use]
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.position = Some((line, column));
        self
    }
}

/// Every problem found in one run, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file name the diagnostics refer to, as given in the settings.
    pub file: String,
    /// The problems.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The errors (not the warnings).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Diagnostics of a run over `file`; positions come from `sources` (path → text; the spec is
    /// `file`), parsed only for the files whose diagnostics need one.
    pub(crate) fn new(file: &str, mut items: Vec<Diagnostic>, sources: &[(&str, &str)]) -> Self {
        let mut maps: Vec<(String, SourceMap)> = Vec::new();
        for item in &mut items {
            if item.position.is_some() {
                continue;
            }
            let name = item.file.as_deref().unwrap_or(file);
            let Some(&(_, text)) = sources.iter().find(|(p, _)| *p == name) else { continue };
            let k = match maps.iter().position(|(p, _)| p == name) {
                Some(k) => k,
                None => {
                    maps.push((name.to_owned(), SourceMap::build(text)));
                    maps.len() - 1
                }
            };
            item.position = maps[k].1.locate(&item.pointer);
        }
        items.sort_by(|a, b| {
            (&a.file, a.position, &a.pointer, &a.message).cmp(&(&b.file, b.position, &b.pointer, &b.message))
        });
        items.dedup();
        Diagnostics { file: file.to_owned(), items }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let label = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(f, "{label}: {}", d.message)?;
            let pointer = if d.pointer.is_empty() { "#".to_owned() } else { format!("#{}", d.pointer) };
            let file = d.file.as_deref().unwrap_or(&self.file);
            match d.position {
                Some((line, col)) => writeln!(f, "  --> {file}:{line}:{col} ({pointer})")?,
                None => writeln!(f, "  --> {file} ({pointer})")?,
            }
            if let Some(help) = &d.help {
                writeln!(f, "  = help: {help}")?;
            }
        }
        let n = self.errors().count();
        if n == 0 {
            return Ok(());
        }
        writeln!(f)?;
        write!(
            f,
            "error: could not generate a client from {} ({} error{})",
            self.file,
            n,
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}
