//! Located, typed errors: every problem a user can cause in a file points at
//! the file, line and column, and is rendered with the offending line at the edge.

use std::fmt;
use std::sync::Arc;

use crate::file_error::FileError;

/// A file the user wrote, kept whole so errors can quote it.
#[derive(Debug)]
pub struct Source {
    /// The file's name as the user gave it.
    pub name: String,
    /// Its whole text.
    pub text: String,
}

impl Source {
    /// A source of this name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Arc::new(Source { name: name.into(), text: text.into() })
    }
}

/// Lets miette quote a source under its file name.
impl miette::SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let named = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        );
        Ok(Box::new(named))
    }
}

/// A byte range in a [`Source`].
#[derive(Clone)]
pub struct Span {
    /// The text it points into.
    pub source: Arc<Source>,
    /// Byte offset of its start.
    pub start: usize,
    /// Byte offset of its end.
    pub end: usize,
}

impl Span {
    /// The bytes `start..end` of `source`.
    pub fn new(source: &Arc<Source>, start: usize, end: usize) -> Span {
        Span { source: Arc::clone(source), start, end: end.max(start) }
    }

    /// The text this span covers.
    pub fn text(&self) -> &str {
        self.source.text.get(self.start..self.end).unwrap_or("")
    }

    /// One-based line and column of the span's start.
    pub fn line_col(&self) -> (usize, usize) {
        let before = &self.source.text[..self.start.min(self.source.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, col) = self.line_col();
        write!(f, "{}:{line}:{col}", self.source.name)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What went wrong, independent of where.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiagKind {
    /// YAML that does not parse.
    #[error("{0}")]
    Syntax(String),
    /// A key that is not one of those allowed here.
    #[error("unknown {what} `{key}`{}", suggestion(.did_you_mean))]
    UnknownKey {
        /// What kind of key (`step key or module`).
        what: &'static str,
        /// The key as written.
        key: String,
        /// The nearest allowed key, if one is close.
        did_you_mean: Option<String>,
    },
    /// A key that must be there.
    #[error("missing {what} `{key}`")]
    MissingKey {
        /// What kind of key.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// A key written twice.
    #[error("duplicate key `{key}` (first defined at {first})")]
    DuplicateKey {
        /// The key.
        key: String,
        /// Where it was first written.
        first: String,
    },
    /// A value of the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What was wanted.
        expected: String,
        /// What was written.
        found: String,
    },
    /// A variable a template uses that is not defined.
    #[error("undefined variable `{0}`")]
    UndefinedVariable(String),
    /// A template that does not render.
    #[error("template error: {0}")]
    Template(String),
    /// Anything else the user must change, in words.
    #[error("{0}")]
    Invalid(String),
    /// A file that could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
}

fn suggestion(did_you_mean: &Option<String>) -> String {
    did_you_mean.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// A located error, the one shape every user-caused problem takes.
#[derive(Debug, Clone)]
pub struct Diag {
    /// What went wrong.
    pub kind: DiagKind,
    /// Where, when it has a place in a file.
    pub span: Option<Span>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diag {
    /// An error of this kind at this place, if any.
    pub fn new(kind: DiagKind, span: Option<Span>) -> Diag {
        Diag { kind, span, help: None }
    }
    /// An error of this kind at `span`.
    pub fn at(span: &Span, kind: DiagKind) -> Diag {
        Diag::new(kind, Some(span.clone()))
    }
    /// An `Invalid` error at `span`.
    pub fn invalid(span: &Span, message: impl Into<String>) -> Diag {
        Diag::at(span, DiagKind::Invalid(message.into()))
    }
    /// The same error, with a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            Some(span) => write!(f, "{span}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for Diag {}

impl From<FileError> for Diag {
    fn from(error: FileError) -> Diag {
        Diag::new(DiagKind::File(error), None)
    }
}

impl miette::Diagnostic for Diag {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span.as_ref().map(|s| &*s.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span.as_ref()?;
        let label = miette::LabeledSpan::at(span.start..span.end, "here");
        Some(Box::new(std::iter::once(label)))
    }
}

/// The closest candidate to `word`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .filter(|c| {
            let distance = strsim::damerau_levenshtein(word, c);
            distance <= 2.max(c.len() / 4) && distance < c.len()
        })
        .max_by(|a, b| {
            strsim::normalized_damerau_levenshtein(word, a)
                .total_cmp(&strsim::normalized_damerau_levenshtein(word, b))
        })
        .map(str::to_string)
}
