package dsl

// valueKind says what a node setting's value is written as. It decides the
// setting's token kind in the lexer, and so how the grammar reads its value.
type valueKind int

const (
	typeValue     valueKind = iota + 1 // a Go type: prep []string
	numberValue                        // a number or duration: attempts 3, wait 500ms
	flagValue                          // no value: batch
	nameListValue                      // names separated by commas: actions faq, lookup
)

// settingSpec describes one node setting. The table below is the one place a
// setting is named: the lexer's keyword tokens, the grammar (by value kind),
// the checker (parsing, defaults, suggestions and synonyms) and the
// formatter all derive from it.
type settingSpec struct {
	name  string
	value valueKind
	// synonyms are the names users bring from PocketFlow and other tools;
	// an unknown setting with one of them is pointed to this setting.
	synonyms []string
	// apply checks the value of the setting s and sets it on n.
	apply func(c *checker, n *Node, s *astSetting)
}

// settingTable lists the node settings in the order SPEC.md documents them.
var settingTable = []*settingSpec{
	{name: "prep", value: typeValue, apply: func(c *checker, n *Node, s *astSetting) { n.Prep = c.phaseType(s.Type) }},
	{name: "exec", value: typeValue, apply: func(c *checker, n *Node, s *astSetting) { n.Exec = c.phaseType(s.Type) }},
	{name: "attempts", value: numberValue, synonyms: []string{"max_retries", "retries", "retry"},
		apply: func(c *checker, n *Node, s *astSetting) { n.Attempts = c.count(s.Num, "attempts", 1, n.Attempts) }},
	{name: "wait", value: numberValue, synonyms: []string{"retry_delay", "delay"},
		apply: func(c *checker, n *Node, s *astSetting) { n.Wait = c.duration(s.Num, "wait") }},
	{name: "backoff", value: numberValue, apply: func(c *checker, n *Node, s *astSetting) { n.Backoff = c.factor(s.Num, "backoff", n.Backoff) }},
	{name: "timeout", value: numberValue, apply: func(c *checker, n *Node, s *astSetting) { n.Timeout = c.duration(s.Num, "timeout") }},
	{name: "batch", value: flagValue, apply: func(c *checker, n *Node, s *astSetting) { n.Batch = true }},
	{name: "parallel", value: numberValue, synonyms: []string{"max_parallel", "concurrency"},
		apply: func(c *checker, n *Node, s *astSetting) { n.Parallel = c.count(s.Num, "parallel", 1, n.Parallel) }},
	{name: "fallback", value: flagValue, synonyms: []string{"exec_fallback"}, apply: func(c *checker, n *Node, s *astSetting) { n.Fallback = true }},
	{name: "await", value: typeValue, synonyms: []string{"interrupt", "human_input"},
		apply: func(c *checker, n *Node, s *astSetting) { n.Await = c.phaseType(s.Type) }},
	{name: "actions", value: nameListValue, apply: func(c *checker, n *Node, s *astSetting) {
		c.declared[n] = true
		c.declaredActions(n, s.Names)
	}},
}

// settingsByName indexes settingTable.
var settingsByName = func() map[string]*settingSpec {
	m := map[string]*settingSpec{}
	for _, s := range settingTable {
		m[s.name] = s
	}
	return m
}()

// settingNames are the settings' names, for suggestions.
var settingNames = func() []string {
	var names []string
	for _, s := range settingTable {
		names = append(names, s.name)
	}
	return names
}()

// synonyms maps each synonym to the setting it stands for.
var synonyms = func() map[string]string {
	m := map[string]string{}
	for _, s := range settingTable {
		for _, syn := range s.synonyms {
			m[syn] = s.name
		}
	}
	return m
}()

// settingTokens are the lexer token kinds of the settings, one per value
// kind: the grammar reads a setting's value by the kind of its keyword.
var settingTokens = map[valueKind]string{
	typeValue:     "TypeKey",
	numberValue:   "NumberKey",
	flagValue:     "FlagKey",
	nameListValue: "ListKey",
}
