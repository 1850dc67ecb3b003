package main

// corpus is what the three sources search: a few pages of each kind.
var corpus = []Page{
	{"web", "Go by Example: Goroutines", "https://gobyexample.com/goroutines", "A goroutine is a lightweight thread of execution, started with the go keyword."},
	{"web", "Go by Example: Channels", "https://gobyexample.com/channels", "Channels are the pipes that connect concurrent goroutines."},
	{"web", "Context in Go servers", "https://go.dev/blog/context", "A context carries deadlines and cancellation across API boundaries."},
	{"docs", "Effective Go: Concurrency", "https://go.dev/doc/effective_go#concurrency", "Do not communicate by sharing memory; share memory by communicating over channels."},
	{"docs", "The Go Memory Model", "https://go.dev/ref/mem", "A send on a channel is synchronized before the completion of the corresponding receive."},
	{"docs", "package context", "https://pkg.go.dev/context", "Package context defines the Context type, which carries deadlines and cancellation signals."},
	{"code", "sync.WaitGroup", "https://pkg.go.dev/sync#WaitGroup", "wg.Add(n); go func() { defer wg.Done() }(); wg.Wait() waits for goroutines to finish."},
	{"code", "select over channels", "https://go.dev/tour/concurrency/5", "select { case v := <-ch: ...; case <-ctx.Done(): return } waits on several channels."},
}
