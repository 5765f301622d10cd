import { Component, type ReactNode } from "react";

/// Keeps one panel's failure to itself: the rest of the dashboard stays on screen, and the
/// panel says what happened in plain words.
export class PanelBoundary extends Component<
  { children: ReactNode; resetKey: unknown },
  { failed: boolean }
> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidUpdate(previous: { resetKey: unknown }) {
    // New data may draw where the old could not.
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  componentDidCatch(error: unknown) {
    console.warn("a panel could not be drawn", error);
  }

  render() {
    if (this.state.failed)
      return (
        <div className="panel-problem" role="alert">
          This panel could not be drawn. The rest of the dashboard is unaffected.
        </div>
      );
    return this.props.children;
  }
}
