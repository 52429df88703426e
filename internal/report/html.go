package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
)

// The page's own script and style, hand-written (no library: the whole
// page with the demo's data is a few hundred kilobytes, most of it data).
var (
	//go:embed assets/report.js
	script string
	//go:embed assets/report.css
	style string
)

// scriptHash is the script's hash for the Content-Security-Policy: only
// that script runs, whatever text the data holds.
var scriptHash = func() string {
	sum := sha256.Sum256([]byte(script))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src '{{.Hash}}'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="tracectl {{.Page.Version}}">
<title>{{.Page.Title}}</title>
<style>{{.Style}}</style>
</head>
<body>
<header class="top">
<h1>{{.Page.Title}}</h1>
<p class="meta">{{range $i, $f := .Page.Inputs}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}{{if .Page.Base}} compared with base {{range $i, $f := .Page.Base}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}{{end}}{{if .Page.Where}} · where <code>{{.Page.Where}}</code>{{end}} · --async {{.Page.Async}} · generated {{.Page.Generated}} by tracectl {{.Page.Version}}</p>
<nav id="nav"></nav>
</header>
<noscript><p class="banner">This report draws its tables and charts with JavaScript, which is turned off.</p></noscript>
<main id="app"></main>
<template id="graph-svg">{{.Graph}}</template>
<script type="application/json" id="report-data">{{.Data}}</script>
<script>{{.Script}}</script>
</body>
</html>
`))

// Write writes the page as one self-contained HTML document.
func Write(w io.Writer, p *Page) error {
	// The service graph is drawn here, by package graph, which escapes
	// every name it writes: the page inserts the drawing as it is.
	var svg bytes.Buffer
	if p.Drawing != nil && len(p.Drawing.Nodes) > 0 {
		if err := p.Drawing.SVG(&svg); err != nil {
			return err
		}
	}
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	// EscapeHTML (the default) writes <, > and & as \u003c, \u003e and
	// \u0026, and U+2028/U+2029 escaped: no span text can end the script
	// element ("</script>") or open a comment ("<!--") inside it.
	enc.SetEscapeHTML(true)
	if err := enc.Encode(p); err != nil {
		return err
	}
	return page.Execute(w, struct {
		Page   *Page
		Hash   string
		Style  template.CSS
		Script template.JS
		Data   template.JS
		Graph  template.HTML
	}{p, scriptHash, template.CSS(style), template.JS(script), template.JS(bytes.TrimSpace(data.Bytes())), template.HTML(svg.String())})
}
