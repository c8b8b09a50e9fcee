package main

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// dotenvLine is one assignment in an env file, as foreman reads it: a
// name of letters, digits and underscores, '=', and the rest of the line.
// Other lines (comments, blanks) are ignored.
var dotenvLine = regexp.MustCompile(`\A([A-Za-z_0-9]+)=(.*)\z`)

// parseDotenv reads an env file the way foreman (ruby-foreman 0.87) does:
// a value in single quotes is taken literally, one in double quotes has
// its backslash escapes undone ("\n" is a newline), any other value is
// kept as written. A later assignment of a name wins.
func parseDotenv(data []byte) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		m := dotenvLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		vars[m[1]] = dotenvValue(m[2])
	}
	return vars
}

// dotenvValue removes the quotes around v as foreman does.
func dotenvValue(v string) string {
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return v[1 : len(v)-1]
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		return unescapeDouble(strings.ReplaceAll(v[1:len(v)-1], `\n`, "\n"))
	default:
		return v
	}
}

// unescapeDouble replaces every backslash and the character after it by
// that character.
func unescapeDouble(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
