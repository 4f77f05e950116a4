"""Reusable widgets of the wizard's pages. Each is imported from its own module (``wizard.gui.widgets.ratechart``),
so a page that needs no chart does not load QtCharts."""
