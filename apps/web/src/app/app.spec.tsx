import { render, screen } from '@testing-library/react';
import App from './app';

describe('App', () => {
  it('when rendered, then it shows the product name as the main heading', () => {
    render(<App />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Flotilla');
  });
});
