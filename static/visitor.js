// The demo page embeds the widget named in ?widget= (default "demo") exactly as a customer's
// site would: with one <script src=".../widget.js" data-widget="..." async> tag.
(function embedDemoWidget() {
  'use strict';
  var widget = new URLSearchParams(location.search).get('widget') || 'demo';
  var src = new URL('widget.js', location.href).href;
  var tag = document.createElement('script');
  tag.src = src;
  tag.async = true;
  tag.dataset.widget = widget;
  document.body.append(tag);
  var snippet = document.getElementById('embed-snippet');
  if (snippet) snippet.textContent = '<script src="' + src + '" data-widget="' + widget + '" async></script>';
})();
