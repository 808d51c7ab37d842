// Command attack replays the attack classes of issue 12 against a running undertone on
// loopback and prints one table row per class: inputs tried, crashes, leaks, data lost,
// bypasses — each must be zero. scripts/attack.sh starts the node (temp data dir, the
// tokens below) and runs it; run it yourself against any node with the same tokens.
//
// A class is a function that sends its inputs and counts what went wrong in a *result;
// after every class the node's liveness is checked (a crash) and the log lines it wrote
// meanwhile are scanned for the tokens in use and for panics. To add a class, write its
// function and add one line to classes (classes.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	var e env
	flag.StringVar(&e.base, "server", "http://127.0.0.1:18480", "node base URL")
	flag.StringVar(&e.sip, "sip", "127.0.0.1:15460", "node SIP address (UDP and TCP)")
	flag.StringVar(&e.audiosocket, "audiosocket", "127.0.0.1:19492", "node AudioSocket address")
	flag.StringVar(&e.admin, "admin", "", "admin token")
	flag.StringVar(&e.integ, "integrator", "", "integrator token")
	flag.StringVar(&e.integ2, "integrator2", "", "a second integrator's token")
	flag.StringVar(&e.sup, "supervisor", "", "supervisor token")
	flag.StringVar(&e.logFile, "log", "", "the node's log file, scanned for leaked tokens and panics")
	flag.StringVar(&e.dataDir, "data-dir", "", "the node's data dir (answers must not name it)")
	flag.BoolVar(&e.diskFull, "disk-full", false, "the data dir is on a small filesystem of its own: run the disk-full class")
	flag.IntVar(&e.pid, "pid", 0, "the node's process id (a vanished process is a crash)")
	flag.DurationVar(&e.idleWait, "idle-wait", 15*time.Second, "how long idle and trickling connections are watched (attack.sh sets the node's HTTP timeouts to 10 s)")
	only := flag.String("only", "", "comma-separated class names to run (default: all)")
	flag.Parse()
	if e.admin == "" || e.integ == "" || e.integ2 == "" || e.sup == "" {
		fmt.Fprintln(os.Stderr, "attack: -admin, -integrator, -integrator2 and -supervisor tokens are required")
		os.Exit(2)
	}
	e.secrets = []string{e.admin, e.integ, e.integ2, e.sup}
	e.http = &http.Client{Timeout: 20 * time.Second}
	if err := e.up(5 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "attack: node not up:", err)
		os.Exit(2)
	}
	var want []string
	if *only != "" {
		want = strings.Split(*only, ",")
	}
	var rows []row
	failed := false
	for _, c := range classes {
		if want != nil && !slices.Contains(want, c.name) {
			continue
		}
		r := e.runClass(c)
		rows = append(rows, row{c, r})
		failed = failed || r.failed()
		if r.crashes > 0 && e.up(10*time.Second) != nil {
			fmt.Fprintln(os.Stderr, "attack: the node is down; stopping")
			break
		}
	}
	print(rows)
	if failed {
		os.Exit(1)
	}
}

type row struct {
	c class
	r *result
}

func print(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tfix by\ttried\tcrashes\tleaks\tdata lost\tbypasses\tresult\t")
	var total result
	for _, x := range rows {
		r := x.r
		status := "ok"
		switch {
		case r.skipped != "":
			status = "skipped"
		case r.failed():
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t\n", x.c.name, x.c.owner, r.tried, r.crashes, r.leaks, r.lost, r.bypasses, status)
		total.tried += r.tried
		total.crashes += r.crashes
		total.leaks += r.leaks
		total.lost += r.lost
		total.bypasses += r.bypasses
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%d\t\t\n", total.tried, total.crashes, total.leaks, total.lost, total.bypasses)
	tw.Flush()
	fmt.Println()
	for _, x := range rows {
		if x.r.skipped != "" {
			fmt.Printf("%-20s skipped: %s\n", x.c.name, x.r.skipped)
		}
		for _, n := range x.r.notes {
			fmt.Printf("%-20s %s\n", x.c.name, n)
		}
	}
}

// runClass runs one class with a deadline and checks the node afterwards.
func (e *env) runClass(c class) *result {
	r := &result{}
	from := e.logSize()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	func() {
		defer func() {
			if p := recover(); p != nil {
				r.note("the attack client itself panicked: %v", p)
				r.bypasses++ // counted so the row cannot read ok
			}
		}()
		c.run(ctx, e, r)
	}()
	if err := e.up(5 * time.Second); err != nil {
		r.crashes++
		r.note("node down after the class: %v", err)
	}
	leaks, panics, n := e.scanLog(from)
	r.leaks += leaks
	r.crashes += panics
	if leaks > 0 {
		r.note("%d log lines carry a token in use", leaks)
	}
	if panics > 0 {
		r.note("%d panics in the log", panics)
	}
	r.note("took %s; the node logged %d bytes", time.Since(start).Round(100*time.Millisecond), n)
	return r
}
