package safetext_test

import (
	"fmt"

	"github.com/anchorwait/anchorwait/internal/safetext"
)

func ExampleLine() {
	fmt.Println(safetext.Line("##[add-mask]success"))
	fmt.Println(safetext.Line("done ::error::x"))
	fmt.Println(safetext.Line("\x1b[32mPASSED\x1b[0m KO \u202eDESSAP"))
	fmt.Println(safetext.Line("success"))
	// Output:
	// ##\[add-mask]success
	// done :\:error:\:x
	// \x1b[32mPASSED\x1b[0m KO \u202eDESSAP
	// success
}

func ExampleExcerpt() {
	fmt.Println(safetext.Excerpt("the task output\nwith two lines", 20))
	// Output:
	// the task output\nwi…
}

func ExampleCommandData() {
	title := "Anchor execution failed: ##[stop-commands]tok"
	message := "step 3 failed:\nTypeError: x is undefined ::add-mask::success"
	fmt.Printf("::error title=%s::%s\n", safetext.CommandProperty(title), safetext.CommandData(message))
	// Output:
	// ::error title=Anchor execution failed%3A ##\[stop-commands]tok::step 3 failed:%0ATypeError: x is undefined :\:add-mask:\:success
}

func ExampleTableCell() {
	fmt.Printf("| %s | %s |\n", safetext.TableCell("failure"), safetext.TableCell(`![x](https://evil.example/i.png) a\|b`))
	// Output:
	// | ` failure ` | ` ![x](https://evil.example/i.png) a\\|b ` |
}

func ExampleDetails() {
	fmt.Print(safetext.Details("Output of 3f2a", "line 1\n</pre><img src=x>\n", 0))
	// Output:
	// <details><summary>Output of 3f2a</summary>
	//
	// <pre>
	// line 1
	// &lt;/pre&gt;&lt;img src=x&gt;
	// </pre>
	//
	// </details>
}

func ExampleJSON() {
	fmt.Printf("%s\n", safetext.JSON([]byte(`{"output":"##[stop-commands]tok","status":"success"}`)))
	// Output:
	// {"output":"##\u005bstop-commands]tok","status":"success"}
}
