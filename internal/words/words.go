// Package words holds the small helpers that put counts into English, so
// every package says them the same way. Its functions are pure and safe
// for concurrent use.
package words

import "strconv"

// Plural returns n and word, with an s added unless n is 1: "1 poll",
// "0 polls", "3 polls". word is a noun whose plural takes an s. It is safe
// for concurrent use.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
