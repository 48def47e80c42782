import type { TransferRequest, TransferResponse } from '@flotilla/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IDEMPOTENCY_HEADER, paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';
import { accountQueryKey, setBalance } from '../../account/api/account';
import { historyQueryKey } from '../../history/api/history';

export interface TransferSubmission {
  request: TransferRequest;
  idempotencyKey: string;
}

export function createTransfer({ request, idempotencyKey }: TransferSubmission): Promise<TransferResponse> {
  return apiRequest<TransferResponse>(paths.transfers, {
    method: 'POST',
    body: request,
    headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
  });
}

export function useCreateTransfer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTransfer,
    onSuccess: async (transfer) => {
      setBalance(queryClient, transfer.balanceAfter, transfer.createdAt);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: historyQueryKey }),
        queryClient.invalidateQueries({ queryKey: accountQueryKey }),
      ]);
    },
  });
}
