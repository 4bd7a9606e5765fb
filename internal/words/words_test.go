package words_test

import (
	"fmt"
	"testing"

	"github.com/anchorwait/anchorwait/internal/words"
)

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int
		word string
		want string
	}{
		{0, "poll", "0 polls"},
		{1, "poll", "1 poll"},
		{2, "request", "2 requests"},
		{-1, "error", "-1 errors"},
		{10000, "execution", "10000 executions"},
	}
	for _, tt := range tests {
		if got := words.Plural(tt.n, tt.word); got != tt.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tt.n, tt.word, got, tt.want)
		}
	}
}

func ExamplePlural() {
	fmt.Println(words.Plural(1, "poll"))
	fmt.Println(words.Plural(3, "poll"))
	// Output:
	// 1 poll
	// 3 polls
}
