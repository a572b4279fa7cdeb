//! User text made safe for Markdown: what a map says is shown as written, never read as
//! markup. HTML is escaped (a step named `<script>` or `<img onerror=...>` is text, not a
//! tag), Markdown's inline punctuation is escaped, and line breaks become spaces so a name
//! cannot split a table row or end a heading.

/// One line of user text for a heading, a paragraph or a table cell.
pub(crate) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_space = false;
    for c in text.chars() {
        if c.is_control() {
            // \r\n is one break: one space.
            if !previous_space {
                out.push(' ');
            }
            previous_space = true;
            continue;
        }
        previous_space = false;
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text that may run over several lines (a description): each line escaped, and a line that
/// would start a list, a heading underline or a numbered item kept as plain text.
pub(crate) fn block(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = inline(line.trim_end());
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            if trimmed.starts_with(['-', '+', '=']) {
                format!("{indent}\\{trimmed}")
            } else if let Some(dot) = trimmed.find(['.', ')'])
                && dot > 0
                && trimmed[..dot].bytes().all(|b| b.is_ascii_digit())
            {
                format!("{indent}{}\\{}", &trimmed[..dot], &trimmed[dot..])
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_markup_in_user_text_stay_text() {
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            inline("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(inline("a | b\nc\r\nd"), "a \\| b c d");
        assert_eq!(
            inline("[x](javascript:1) *b* `c` R&D"),
            "\\[x\\](javascript:1) \\*b\\* \\`c\\` R&amp;D"
        );
        assert_eq!(inline("ends with \\"), "ends with \\\\");
        assert_eq!(inline("Plain words, kept."), "Plain words, kept.");
    }

    #[test]
    fn description_lines_do_not_become_lists_or_headings() {
        assert_eq!(
            block("First line.\n- not a list\n2. not numbered\n# not a heading"),
            "First line.\n\\- not a list\n2\\. not numbered\n\\# not a heading"
        );
    }
}
