// Package safetext makes text that came from a server safe to print: on a
// terminal, in a CI log that GitHub Actions parses for workflow commands,
// in the CLI's own workflow commands, in the Markdown step summary and in
// JSON written to stdout. It is the one place where that is decided; every
// function is pure (no I/O) and safe for concurrent use.
//
// # What is neutralized, and how
//
// A character that a reader would not see, or that would change how the
// text around it is shown, is replaced by a visible escape in Go's
// notation, so a reader sees that something was there: \t, \n and \r;
// \xNN for the other C0 controls, DEL and every byte that is not valid
// UTF-8; \uNNNN or \UNNNNNNNN for any other such rune. Those runes are:
//
//   - controls (Cc): C0, DEL and C1, where U+009B is an 8-bit CSI;
//   - format characters (Cf): the bidi embeddings, overrides and isolates
//     (U+202A-U+202E, U+2066-U+2069), the marks U+200E, U+200F, U+061C,
//     zero-width spaces and joiners, U+FEFF, the soft hyphen, tag
//     characters and the rest of the category;
//   - the line and paragraph separators U+2028 and U+2029 (Zl, Zp);
//   - the rest of Unicode's default-ignorable code points
//     (Other_Default_Ignorable_Code_Point and Variation_Selector: the
//     Hangul fillers, U+034F, U+180B-U+180F, U+FE00-U+FE0F,
//     U+E0100-U+E01EF, ...), which are drawn as nothing: that is what
//     makes "succ<U+3164>ess" look like "success";
//   - unassigned code points and noncharacters: a terminal with newer
//     tables may draw a rune assigned later as anything, format included.
//
// One exception keeps emoji readable: U+FE0E and U+FE0F (text and emoji
// presentation) stay when they directly follow a symbol (So), as in
// U+26A0 U+FE0F. Letters and digits cannot carry one, so no word can be
// spoofed with them. Other spaces (Zs, such as U+00A0), combining marks,
// private-use characters and right-to-left letters are kept: they are
// visible, and real text needs them.
//
// The escapes are printable ASCII, so a backslash already in the text
// stays as it is and "\x1b" in the input reads the same as an escaped ESC.
// That ambiguity is the price of keeping printable text byte for byte.
//
// # GitHub Actions workflow commands
//
// The Actions runner (github.com/actions/runner, read at commit
// 258d6c857db3) reads a step's stdout and stderr line by line
// (src/Runner.Sdk/ProcessInvoker.cs:507-519, StreamReader.ReadLine, which
// ends a line at \n, \r or \r\n) and hands every line that contains "##["
// or "::" anywhere to the command parser
// (src/Runner.Worker/Handlers/OutputManager.cs:77-91). The parser
// (src/Runner.Common/ActionCommand.cs) tries two forms
// (src/Runner.Worker/ActionCommandManager.cs:70-71):
//
//   - TryParseV2 (ActionCommand.cs:51-119): the line, with leading white
//     space trimmed, starts with "::"; the command name runs to the next
//     "::" or space, properties are "k=v" split at ",", and the data is
//     everything after the second "::".
//   - TryParse, the legacy form (ActionCommand.cs:121-189): "##[" found
//     ANYWHERE in the line (IndexOf, line 132), the name runs to the first
//     "]" after it, and the data is the rest of the line.
//
// A name counts if it is registered, compared ignoring case
// (ActionCommandManager.cs:25, 86): add-mask masks its data in the rest of
// the job's log (ActionCommandManager.cs:420-451), stop-commands ignores
// every later command until a line carries its token as a command name,
// which it registers (109-124, and 89-98 for the resume), and echo turns
// the echoing of commands on or off (809-834). Since the stop token can be
// any word, any "##[word]" or leading "::word::" may be acted on.
//
// So no "::" and no "##[" survive here, anywhere in a line: a ':' that
// follows a ':' becomes "\:" and a '[' that follows "##" becomes "\[", so
// "::error::x" reads ":\:error:\:x" and "##[add-mask]success" reads
// "##\[add-mask]success", and "success" alone stays "success". The runner
// itself defuses its own markers the same way, with a backslash
// (OutputManager.cs:93-99: "##[start-action" becomes "##[\start-action").
// Inserting an invisible character instead would not do: the parser's
// string searches (StartsWith, IndexOf without a StringComparison) are
// culture-sensitive, and with ICU, which .NET uses on Linux, characters
// without collation weight, such as NUL or U+200B, are skipped by such a
// search (see "Behavior changes when comparing strings on .NET 5+" in the
// .NET documentation, and dotnet/runtime#46569). For the same reason the
// output holds no such character at all.
//
// Two results printed side by side can form a command at the seam
// ("#" then "#[x]"): neutralize the whole text a line shows, not its
// pieces, or put the CLI's own text (that does not end in ':' or '#')
// before server text. Starting each line with the CLI's own text also keeps
// server text away from problem matchers anchored at the start of a line,
// which no escaping can defeat in general.
package safetext
