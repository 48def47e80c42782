import { IDEMPOTENCY_KEY_PATTERN, type TransferRequest, type TransferResponse } from '@flotilla/contracts';
import { act, screen, waitFor } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { transferResponse } from '../../../testing/data';
import { errorResponse } from '../../../testing/handlers';
import { renderWithClient } from '../../../testing/render';
import { server } from '../../../testing/server';
import { TransferForm } from './transfer-form';

interface Captured {
  body: TransferRequest;
  key: string | null;
  csrf: string | null;
}

function captureTransfers(respond: (call: number) => Response | Promise<Response>) {
  const calls: Captured[] = [];
  server.use(
    http.post<never, TransferRequest, TransferResponse>('/api/transfers', async ({ request }) => {
      calls.push({
        body: await request.json(),
        key: request.headers.get('idempotency-key'),
        csrf: request.headers.get('x-csrf-token'),
      });
      return respond(calls.length) as never;
    }),
  );
  return calls;
}

async function fillForm(user: ReturnType<typeof renderWithClient>['user'], email: string, amount: string, note = '') {
  await user.type(screen.getByLabelText('Recipient email'), email);
  await user.type(screen.getByLabelText('Amount'), amount);
  if (note) await user.type(screen.getByLabelText('Note'), note);
}

describe('TransferForm', () => {
  it('when the user types an amount with too many decimals, then the problem shows while typing', async () => {
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await user.type(screen.getByLabelText('Amount'), '12.505');

    expect(screen.getByLabelText('Amount')).toHaveAccessibleDescription(/Use at most 2 decimal places/);
    expect(screen.getByLabelText('Amount')).toHaveAttribute('aria-invalid', 'true');
    await user.type(screen.getByLabelText('Amount'), '{Backspace}');
    expect(screen.getByLabelText('Amount')).not.toHaveAttribute('aria-invalid');
  });

  it('when the amount is over the transfer limit or the note too long, then the contract limits are explained', async () => {
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await user.type(screen.getByLabelText('Amount'), '10000.01');
    await user.click(screen.getByLabelText('Note'));
    await user.paste('x'.repeat(141));

    expect(screen.getByLabelText('Amount')).toHaveAccessibleDescription(/at most €10,000.00 in one transfer/);
    expect(screen.getByLabelText('Note')).toHaveAccessibleDescription(/140 characters or fewer \(it has 141\)/);
  });

  it('when the email is invalid, then it is flagged on leaving the field and cleared once fixed', async () => {
    const { user } = renderWithClient(<TransferForm currency="EUR" />);
    const email = screen.getByLabelText('Recipient email');

    await user.type(email, 'bob');
    expect(email).not.toHaveAttribute('aria-invalid');
    await user.tab();
    expect(email).toHaveAccessibleDescription('Enter a valid email address, like name@example.com.');

    await user.type(email, '@example.com');
    expect(email).not.toHaveAttribute('aria-invalid');
  });

  it('when an empty form is sent, then nothing is posted and focus moves to the first problem', async () => {
    const calls = captureTransfers(() => HttpResponse.json(transferResponse(), { status: 201 }));
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await user.click(screen.getByRole('button', { name: 'Send' }));

    expect(screen.getByLabelText('Recipient email')).toHaveFocus();
    expect(screen.getByLabelText('Recipient email')).toHaveAccessibleDescription("Enter the recipient's email address.");
    expect(screen.getByLabelText('Amount')).toHaveAccessibleDescription(/Enter an amount\./);
    expect(calls).toHaveLength(0);
  });

  it('when a valid transfer is sent, then the exact minor units, an Idempotency-Key and the CSRF header go to the API', async () => {
    document.cookie = 'csrf_token=csrf-abc; path=/';
    const calls = captureTransfers(() => HttpResponse.json(transferResponse({ amount: 29 }), { status: 201 }));
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await fillForm(user, '  bob@example.com ', '0.29');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    // One status region per form: the e2e journey reads it with getByRole('status').
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('Sent €0.29 to Bob Builder (bob@example.com).'));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ recipientEmail: 'bob@example.com', amount: 29 });
    expect(calls[0]?.key).toMatch(new RegExp(IDEMPOTENCY_KEY_PATTERN));
    expect(calls[0]?.csrf).toBe('csrf-abc');
    expect(screen.getByLabelText('Amount')).toHaveValue('');
  });

  it.each([
    [404, 'RECIPIENT_NOT_FOUND', 'Recipient email', /No Flotilla account uses this email address/],
    [422, 'INSUFFICIENT_FUNDS', 'Amount', /Your balance is too low/],
  ])('when the API answers %i %s, then the error shows next to "%s"', async (status, code, label, message) => {
    captureTransfers(() => errorResponse(status, code, 'refused'));
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await fillForm(user, 'bob@example.com', '12.50');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(screen.getByLabelText(label)).toHaveAccessibleDescription(message));
  });

  it('when the API lists field details, then each message lands on its field', async () => {
    captureTransfers(() =>
      errorResponse(400, 'VALIDATION_FAILED', 'Invalid request', [
        { field: '/note', message: 'Notes cannot contain control characters.' },
        { field: 'body.recipientEmail', message: 'You cannot send money to yourself.' },
      ]),
    );
    const { user } = renderWithClient(<TransferForm currency="EUR" />);

    await fillForm(user, 'alice@example.com', '1', 'hi');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() =>
      expect(screen.getByLabelText('Note')).toHaveAccessibleDescription(/Notes cannot contain control characters/),
    );
    expect(screen.getByLabelText('Recipient email')).toHaveAccessibleDescription('You cannot send money to yourself.');
  });

  it('when Send is clicked twice quickly, then one transfer is posted and the button is disabled while pending', async () => {
    const calls = captureTransfers(async () => {
      await delay(150);
      return HttpResponse.json(transferResponse(), { status: 201 });
    });
    const { user } = renderWithClient(<TransferForm currency="EUR" />);
    await fillForm(user, 'bob@example.com', '12.50');
    const send = screen.getByRole('button', { name: 'Send' });

    await user.dblClick(send);
    act(() => send.closest('form')?.requestSubmit());

    expect(send).toBeDisabled();
    await screen.findByText(/Sent €12.50/);
    expect(calls).toHaveLength(1);
    expect(send).toBeEnabled();
  });

  it('when the outcome is unknown and the user sends again, then the same Idempotency-Key is reused', async () => {
    const calls = captureTransfers((call) =>
      call === 1 ? HttpResponse.error() : HttpResponse.json(transferResponse(), { status: 201 }),
    );
    const { user } = renderWithClient(<TransferForm currency="EUR" />);
    await fillForm(user, 'bob@example.com', '12.50');

    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Sending again is safe/);
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await screen.findByText(/Sent €12.50/);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.key).toBe(calls[0]?.key);
  });

  it('when the details change after a failure, then the next send is a new submission with a new key', async () => {
    const calls = captureTransfers((call) =>
      call === 1 ? errorResponse(422, 'INSUFFICIENT_FUNDS', 'Insufficient funds') : HttpResponse.json(transferResponse(), { status: 201 }),
    );
    const { user } = renderWithClient(<TransferForm currency="EUR" />);
    await fillForm(user, 'bob@example.com', '12.50');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(screen.getByLabelText('Amount')).toHaveAttribute('aria-invalid', 'true'));

    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), '2');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await screen.findByText(/Sent/);
    expect(calls[1]?.body.amount).toBe(200);
    expect(calls[1]?.key).not.toBe(calls[0]?.key);
  });
});
