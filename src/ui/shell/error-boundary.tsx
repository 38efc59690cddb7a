// Keeps a failing panel from blanking the page: the panel shows its error, the rest works on.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** what failed, for the message */
  what: string;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`${this.props.what} failed`, error, info.componentStack);
  }

  render() {
    if (this.state.error) {
      return (
        <div className="run-error" role="alert">
          <h2>{this.props.what} failed</h2>
          <p className="run-error-message">{this.state.error.message}</p>
        </div>
      );
    }
    return this.props.children;
  }
}
