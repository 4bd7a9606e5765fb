package main

import (
	"context"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A closed stdout (anchor-wait ... | head) makes writes fail with
	// EPIPE, which fails the run, instead of killing the process before
	// the reports are written.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// After the first signal, restore the default behaviour so a second
	// one ends the process at once.
	go func() { <-ctx.Done(); stop() }()
	// net/http logs through the log package what it cannot return as an
	// error, quoting a server's bytes: it goes through the output layer.
	setStdLog = func(w io.Writer) {
		log.SetFlags(0)
		log.SetPrefix("")
		log.SetOutput(w)
	}
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
